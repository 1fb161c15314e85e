import { join } from 'node:path';
import type { Drill } from '../engine/context.js';
import { provisionedDrill } from '../engine/provision.js';
import { Recorder } from '../engine/recorder.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import { RtoTimeline } from '../measurement/rto-timeline.js';
import { ObjectStore } from '../objectstore/client.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { now } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { ledgerOnlyProfile } from '../workload/profiles.js';
import { WorkloadWriter } from '../workload/writer.js';

/**
 * A provisioned drill around a standalone environment and primary, for tests of the restore library and
 * benchmarks that run one procedure without the whole engine. The workload writer is created, not started.
 */
export async function standaloneDrill(opts: {
  loaded: LoadedScenario<Scenario>;
  env: StartedEnvironment;
  primary: PgInstance;
  onTeardown: (title: string, fn: () => Promise<void>) => void;
  database?: string;
}): Promise<Drill> {
  const { env, loaded } = opts;
  const store = new ObjectStore(env.objectStore);
  await store.ensureBucket();
  opts.onTeardown('close the object store client', async () => store.destroy());
  const setup = {
    loaded,
    scenario: loaded.scenario,
    runId: `standalone-${Date.now().toString(36)}`,
    workDir: env.workDir,
    outDir: env.workDir,
    logger: silentLogger,
    recorder: new Recorder(now()),
    rto: new RtoTimeline(),
    signal: new AbortController().signal,
    onTeardown: opts.onTeardown,
    saveArtifact: async () => '',
  };
  const parts = {
    env,
    store,
    environmentRecord: {
      kind: env.kind,
      postgres: { version: '', versionNum: 0, settings: {} },
      objectStore: { kind: env.objectStore.kind, endpoint: env.objectStore.endpoint, bucket: '', prefix: '' },
      tools: {},
      host: { platform: process.platform, arch: process.arch, node: process.version, cpus: 1 },
    },
    instances: new Map<string, PgInstance>([[opts.primary.name, opts.primary]]),
    standbys: [],
    workload: new WorkloadWriter({
      rate: 1,
      profile: ledgerOnlyProfile(),
      ackFile: join(env.workDir, 'acks.csv'),
      changeFile: join(env.workDir, 'changes.csv'),
      logger: silentLogger,
    }),
    primary: opts.primary,
  };
  return provisionedDrill(setup, parts, opts.database ?? 'postgres');
}
