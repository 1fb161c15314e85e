import type { DrillContext } from '../engine/context.js';
import type { PgInstance } from '../environments/types.js';
import { retryUntil } from '../util/retry.js';
import { withClient } from '../verification/table-probes.js';

/**
 * Streaming standbys made with `pg_basebackup -R` from the primary, as in the seed's Strategy 3.
 * Synchronous mode sets synchronous_standby_names on the primary, so a commit waits for a standby's flush.
 */
export async function provisionStandbys(ctx: DrillContext): Promise<void> {
  const spec = ctx.scenario.environment.postgres.standby;
  if (!spec) return;
  const standbys: PgInstance[] = [];
  for (let i = 1; i <= spec.count; i++) standbys.push(await createStandby(ctx, `standby-${i}`, ctx.primary));
  ctx.facts.standbys = standbys;
  if (spec.synchronous) {
    await withClient(ctx.primary.connection('postgres'), async (c) => {
      await c.query(`ALTER SYSTEM SET synchronous_standby_names = '*'`);
      await c.query(`ALTER SYSTEM SET synchronous_commit = 'on'`);
      await c.query('SELECT pg_reload_conf()');
    });
  }
  await waitForStreaming(ctx, ctx.primary, spec.count, spec.synchronous);
  ctx.recorder.event(
    'provision',
    `${spec.count} ${spec.synchronous ? 'synchronous' : 'asynchronous'} standby(s) streaming from ${ctx.primary.name}`,
  );
}

export async function createStandby(ctx: DrillContext, name: string, source: PgInstance): Promise<PgInstance> {
  const standby = await ctx.env.createInstance({ name, initdb: false });
  ctx.instances.set(name, standby);
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
  ctx: DrillContext,
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
    { timeoutMs: 60_000, intervalMs: 200, signal: ctx.signal },
  );
}
