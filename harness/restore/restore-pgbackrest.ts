/**
 * `pgbackrest restore` into a NEW instance: pgBackRest writes restore_command (archive-get) and the target
 * itself. Marks `fetch-base-backup` after the restore and `replay-wal` when recovery pauses or promotes.
 */
import type { DrillContext } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import { pgbackrestRun, writePgbackrestConfig } from '../backups/pgbackrest.js';
import { retryUntil } from '../util/retry.js';
import { withClient } from '../verification/table-probes.js';
import type { RestoreOptions } from './restore-base-backup.js';

export async function restoreWithPgbackrest(
  ctx: DrillContext,
  opts: RestoreOptions,
): Promise<{ instance: PgInstance; seconds: { fetch: number; replay: number } }> {
  const t0 = Date.now();
  const instance = await ctx.env.createInstance({ name: opts.instanceName, initdb: false });
  ctx.instances.set(instance.name, instance);
  const conf = await writePgbackrestConfig(ctx.env, instance);
  await pgbackrestRun(ctx, instance, ['restore', ...targetArgs(ctx, opts), `--target-action=${opts.action}`], conf);
  await instance.adoptDataDirectory({ archive_mode: 'off' });
  const fetched = Date.now();
  ctx.rto.mark('fetch-base-backup');
  await instance.start({ waitReady: false });
  const want = opts.action === 'pause' ? 'paused' : 'promoted';
  await retryUntil(
    `${instance.name} ${want} after pgbackrest restore`,
    () =>
      withClient(instance.connection('postgres'), async (c) => {
        const r = await c.query<{ rec: boolean; pause: string }>(
          `SELECT pg_is_in_recovery() AS rec, CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE '' END AS pause`,
        );
        return !r.rows[0]!.rec ? 'promoted' : r.rows[0]!.pause;
      }),
    (state) => state === want,
    { timeoutMs: 10 * 60_000, intervalMs: 100, signal: ctx.signal },
  ).catch(async (err: Error) => {
    throw new DrillError('failed', `${err.message}; log: ${(await instance.logTail(6)).replace(/\n/g, ' | ')}`);
  });
  ctx.rto.mark('replay-wal');
  return { instance, seconds: { fetch: (fetched - t0) / 1000, replay: (Date.now() - fetched) / 1000 } };
}

function targetArgs(ctx: DrillContext, opts: RestoreOptions): string[] {
  const t = opts.target;
  switch (t.type) {
    case 'before-fault':
      if (!ctx.fault?.txid)
        throw new DrillError('error', 'recovery.target "before-fault" needs a fault that recorded its transaction id');
      return ['--type=xid', `--target=${ctx.fault.txid}`, '--target-exclusive'];
    case 'find-in-wal':
      return ['--type=xid', `--target=${opts.foundXid}`, '--target-exclusive'];
    case 'xid':
    case 'time':
    case 'lsn':
    case 'name':
      return [`--type=${t.type}`, `--target=${t.value}`];
    case 'immediate':
      return ['--type=immediate'];
    case 'end-of-archive':
      return [];
  }
}
