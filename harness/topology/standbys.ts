import { budgetMs } from '../engine/budgets.js';
import type { Recorder } from '../engine/recorder.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import type { EnvironmentSpec } from '../scenario/schema.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';

/**
 * Streaming standbys made with `pg_basebackup -R` from the primary, as in the seed's Strategy 3.
 * Synchronous mode sets synchronous_standby_names on the primary, so a commit waits for a standby's flush.
 */
export async function provisionStandbys(opts: {
  env: StartedEnvironment;
  primary: PgInstance;
  spec: EnvironmentSpec['postgres']['standby'];
  instances: Map<string, PgInstance>;
  recorder: Recorder;
  signal: AbortSignal;
}): Promise<PgInstance[]> {
  const { spec, primary } = opts;
  if (!spec) return [];
  const standbys: PgInstance[] = [];
  for (let i = 1; i <= spec.count; i++) {
    const standby = await createStandby(opts.env, `standby-${i}`, primary);
    opts.instances.set(standby.name, standby);
    standbys.push(standby);
  }
  if (spec.synchronous) {
    await withClient(primary.connection('postgres'), async (c) => {
      await c.query(`ALTER SYSTEM SET synchronous_standby_names = '*'`);
      await c.query(`ALTER SYSTEM SET synchronous_commit = 'on'`);
      await c.query('SELECT pg_reload_conf()');
    });
  }
  await waitForStreaming(opts, primary, spec.count, spec.synchronous);
  opts.recorder.event(
    'provision',
    `${spec.count} ${spec.synchronous ? 'synchronous' : 'asynchronous'} standby(s) streaming from ${primary.name}`,
  );
  return standbys;
}

export async function createStandby(env: StartedEnvironment, name: string, source: PgInstance): Promise<PgInstance> {
  const standby = await env.createInstance({ name, initdb: false });
  const peer = source.peerConnection('postgres');
  await standby.runTool('pg_basebackup', {
    args: [
      '-D',
      standby.dataDir,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
      '-h',
      peer.host,
      '-p',
      String(peer.port),
      '-U',
      peer.user,
      '-d',
      `application_name=${name}`,
    ],
  });
  await standby.adoptDataDirectory({ archive_mode: 'off' });
  await standby.start();
  return standby;
}

export async function waitForStreaming(
  opts: { signal: AbortSignal },
  primary: PgInstance,
  count: number,
  synchronous: boolean,
): Promise<void> {
  await retryUntil(
    `${count} standby(s) streaming${synchronous ? ' synchronously' : ''} from ${primary.name}`,
    () =>
      withClient(
        primary.connection('postgres'),
        async (c) =>
          (
            await c.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM pg_stat_replication WHERE state = 'streaming'${synchronous ? ` AND sync_state IN ('sync', 'quorum')` : ''}`,
            )
          ).rows[0]!.n,
      ),
    (n) => Number(n) >= count,
    { timeoutMs: budgetMs('streaming'), intervalMs: 200, signal: opts.signal },
  );
}
