/**
 * `pgbackrest restore` into a NEW instance: pgBackRest writes restore_command (archive-get) and the target
 * itself. Marks `fetch-base-backup` after the restore and `replay-wal` when recovery pauses or promotes.
 */
import { budgetMs } from '../engine/budgets.js';
import type { Drill } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import { pgbackrestRun, writePgbackrestConfig } from '../backups/pgbackrest.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';
import type { RestoreOptions, RestoreResult } from './restore-base-backup.js';

export async function restoreWithPgbackrest(drill: Drill, opts: RestoreOptions): Promise<RestoreResult> {
  const t0 = now();
  const instance = await drill.env.createInstance({ name: opts.instanceName, initdb: false });
  drill.instances.set(instance.name, instance);
  const conf = await writePgbackrestConfig(drill.env, instance);
  await pgbackrestRun(drill, instance, ['restore', ...targetArgs(drill, opts), `--target-action=${opts.action}`], conf);
  await instance.adoptDataDirectory({ archive_mode: 'off' });
  const fetched = now();
  drill.rto.mark('fetch-base-backup');
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
    { timeoutMs: budgetMs('replay'), intervalMs: 100, signal: drill.signal },
  ).catch(async (err: Error) => {
    throw new DrillError('failed', `${err.message}; log: ${(await instance.logTail(6)).replace(/\n/g, ' | ')}`);
  });
  drill.rto.mark('replay-wal');
  return {
    instance,
    backup: { id: 'pgbackrest latest' },
    seconds: { fetch: (fetched - t0) / 1000, replay: (now() - fetched) / 1000 },
  };
}

function targetArgs(drill: Drill, opts: RestoreOptions): string[] {
  const t = opts.target;
  switch (t.type) {
    case 'before-fault':
      if (!drill.fault?.txid)
        throw new DrillError('error', 'recovery.target "before-fault" needs a fault that recorded its transaction id');
      return ['--type=xid', `--target=${drill.fault.txid}`, '--target-exclusive'];
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
