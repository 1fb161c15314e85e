import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Drill, DrillSetup } from '../harness/engine/context.js';
import { backup, baseline, detect, inject, seed, workload } from '../harness/engine/phases.js';
import { provision } from '../harness/engine/provision.js';
import { Recorder } from '../harness/engine/recorder.js';
import { TaskRunner } from '../harness/engine/task-runner.js';
import { RtoTimeline } from '../harness/measurement/rto-timeline.js';
import { archiveCurrentWal } from '../harness/restore/wal-archive.js';
import { ofKind, parseScenario } from '../harness/scenario/load.js';
import { checkSemantics } from '../harness/scenario/semantic-checks.js';
import { errorMessage } from '../harness/engine/errors.js';
import { now } from '../harness/util/clock.js';
import { createLogger } from '../harness/util/logger.js';
import { withClient } from '../harness/util/pg-client.js';
import { round } from './drill.js';
import { closeOnInterrupt } from './interrupt.js';

export interface FaultedDrill {
  drill: Drill;
  /** pg_database_size of the drill database after seeding, in bytes. */
  datasetBytes: number;
  /** WAL between the start of the newest base backup and the fault: what a PITR replays. */
  walBytes: number;
  seconds: Record<'provision' | 'seed' | 'backup' | 'workload' | 'inject', number>;
  onTeardown(title: string, fn: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * A drill run by the engine's own phases up to the fault (provision, seed, baseline, backup, workload, inject,
 * detect), then held there: the workload stopped and the damaged primary's WAL archived, so that several
 * recoveries can be timed side by side on the same backup, WAL and target. `prepare` runs after provisioning.
 */
export async function faultedDrill(yaml: string, prepare?: (drill: Drill) => Promise<void>): Promise<FaultedDrill> {
  const parsed = parseScenario(yaml, 'bench.yaml');
  checkSemantics(parsed);
  const loaded = ofKind(parsed, 'Drill');
  const base = mkdtempSync(join(process.env.DRDRILL_WORK_DIR ?? tmpdir(), 'drdrill-bench-'));
  chmodSync(base, 0o755);
  mkdirSync(join(base, 'out'));
  const controller = new AbortController();
  const runner = new TaskRunner(controller.signal);
  const onTeardown = (title: string, fn: () => Promise<void>) => runner.addTeardown(title, fn);
  const close = async () => {
    forget();
    await runner.runTeardowns((title, err) =>
      process.stderr.write(`bench: teardown "${title}": ${errorMessage(err)}\n`),
    );
    rmSync(base, { recursive: true, force: true });
  };
  const forget = closeOnInterrupt(close);
  const runId = `${loaded.scenario.metadata.name}-${Date.now().toString(36)}`;
  const setup: DrillSetup = {
    loaded,
    scenario: loaded.scenario,
    runId,
    workDir: join(base, 'work'),
    outDir: join(base, 'out'),
    logger: createLogger({ level: 'warn', prefix: 'bench' }),
    recorder: new Recorder(now()),
    rto: new RtoTimeline(),
    signal: controller.signal,
    onTeardown,
    saveArtifact: async () => '',
  };
  const seconds = { provision: 0, seed: 0, backup: 0, workload: 0, inject: 0 };
  const timed = async <T>(name: keyof typeof seconds, fn: () => Promise<T>): Promise<T> => {
    const t0 = now();
    const out = await fn();
    seconds[name] = round((now() - t0) / 1000);
    return out;
  };
  try {
    const drill = await timed('provision', () => provision(setup, false, () => {}));
    await prepare?.(drill);
    await timed('seed', () => seed.run(drill));
    const datasetBytes = await withClient(drill.db(), async (c) =>
      Number((await c.query<{ s: string }>('SELECT pg_database_size(current_database())::text AS s')).rows[0]!.s),
    );
    await baseline.run(drill);
    await timed('backup', () => backup.run(drill));
    await timed('workload', () => workload.run(drill));
    // The recoveries compared later start from the same state: no writer racing them.
    await drill.workload.stop();
    await timed('inject', async () => {
      await inject.run(drill);
      await detect.run(drill);
      await archiveCurrentWal(drill);
    });
    const startLsn = drill.recorder.backups.find((b) => b.method === 'basebackup')?.startLsn;
    const walBytes = startLsn
      ? await withClient(drill.db(), async (c) =>
          Number(
            (
              await c.query<{ b: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint::text AS b', [
                drill.fault!.lsn,
                startLsn,
              ])
            ).rows[0]!.b,
          ),
        )
      : 0;
    return { drill, datasetBytes, walBytes, seconds, onTeardown, close };
  } catch (err) {
    await close();
    throw err;
  }
}
