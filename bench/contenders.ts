import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Drill } from '../harness/engine/context.js';
import type { PgInstance } from '../harness/environments/types.js';
import { findPostgresBinDir } from '../harness/environments/native/postgres-binaries.js';
import { checkDamagedTablesOn } from '../harness/recoveries/pitr.js';
import { prepareTarget } from '../harness/recoveries/prepare-target.js';
import type { RecoveryTarget } from '../harness/recoveries/target.js';
import { listBaseBackups } from '../harness/restore/catalog.js';
import { promotePaused, restoreBaseBackup, type RestoreResult } from '../harness/restore/restore-base-backup.js';
import { restoreWithPgbackrest } from '../harness/restore/restore-pgbackrest.js';
import { now } from '../harness/util/clock.js';
import { packageRoot } from '../harness/util/paths.js';
import { withClient } from '../harness/util/pg-client.js';
import { postgresAccount, runProcess } from '../harness/util/process.js';
import { rowCount } from '../harness/verification/table-probes.js';
import { round } from './drill.js';
import type { FaultedDrill } from './faulted-drill.js';

/** One timed recovery: from its first step to the promoted primary answering the row count. */
export interface RecoveryRun {
  seconds: number;
  /** Rows of the damaged table on the recovered primary (must equal the rows before the fault). */
  rows: number;
  steps: Record<string, number>;
}

const BEFORE_FAULT: RecoveryTarget = { type: 'before-fault' };

/** The table the fault damaged, and how many rows it held just before (the DELETE's row count). */
function damaged(drill: Drill): { table: string; rowsBefore: number } {
  const table = drill.fault?.tables?.[0];
  const rowsBefore = Number(drill.fault?.rowsAffected);
  if (!table || !Number.isFinite(rowsBefore)) throw new Error('bench: the fault recorded no table or row count');
  return { table, rowsBefore };
}

async function countOn(drill: Drill, instance: PgInstance, table: string): Promise<number> {
  return withClient(drill.db(instance), (c) => rowCount(c, table));
}

/** Frees the disk a timed recovery used, once it is measured. */
async function discard(instance: PgInstance): Promise<void> {
  await instance.stop('immediate');
  await instance.destroyData();
}

/**
 * drdrill's PITR, as the `pitr` procedure runs it: archive the damaged primary's current WAL, restore the newest
 * base backup (integrity, extract, pg_verifybackup, gap check), replay to just before the fault and pause, check
 * the damaged table there, promote. The restored instance does not archive (nothing may add to the archive the
 * next run replays), and it does not take over the workload.
 */
export async function drdrillPitr(f: FaultedDrill, name: string, prefetch: number): Promise<RecoveryRun> {
  const { drill } = f;
  const { table } = damaged(drill);
  const t0 = now();
  const { target } = await prepareTarget(drill, BEFORE_FAULT);
  const tArchived = now();
  const restored = await restoreBaseBackup(drill, {
    instanceName: name,
    target,
    action: 'pause',
    prefetch,
    fallbackToOlder: true,
    archive: false,
  });
  await checkDamagedTablesOn(drill, restored.instance, { lockTimeoutMs: 2000 });
  await promotePaused(drill, restored.instance);
  const rows = await countOn(drill, restored.instance, table);
  const end = now();
  await discard(restored.instance);
  return {
    seconds: round((end - t0) / 1000),
    rows,
    steps: {
      archiveCurrentWal: round((tArchived - t0) / 1000),
      fetch: round(restored.seconds.fetch),
      replay: round(restored.seconds.replay),
      configureCheckPromote: round(
        (end - t0) / 1000 - (tArchived - t0) / 1000 - restored.seconds.fetch - restored.seconds.replay,
      ),
    },
  };
}

/** pgBackRest's restore of the same database to the same target, promoted, then the same row count. */
export async function pgbackrestPitr(f: FaultedDrill, name: string): Promise<RecoveryRun> {
  const { drill } = f;
  const { table } = damaged(drill);
  const t0 = now();
  const restored: RestoreResult = await restoreWithPgbackrest(drill, {
    instanceName: name,
    target: BEFORE_FAULT,
    action: 'promote',
    prefetch: 0,
  });
  const rows = await countOn(drill, restored.instance, table);
  const end = now();
  await discard(restored.instance);
  return {
    seconds: round((end - t0) / 1000),
    rows,
    steps: { fetch: round(restored.seconds.fetch), replay: round(restored.seconds.replay) },
  };
}

export const RAW_SCRIPT = join(packageRoot(), 'bench', 'raw', 'pitr.sh');
export const AWS_CLI = '/usr/bin/aws';

/**
 * The same recovery by hand (bench/raw/pitr.sh): `aws s3 cp` of the same base backup, tar, restore_command with
 * `aws s3 cp`, the same target xid, promote, one row count. Run as the PostgreSQL user, like the server.
 */
export async function rawScriptPitr(f: FaultedDrill, name: string): Promise<RecoveryRun> {
  const { drill } = f;
  const { table } = damaged(drill);
  const backupEntry = (await listBaseBackups(drill.store)).at(-1);
  if (!backupEntry) throw new Error('bench: no base backup in the catalog');
  const store = drill.env.objectStore;
  const t0 = now();
  const instance = await drill.env.createInstance({ name, initdb: false });
  const binDir = findPostgresBinDir();
  const home = join(dirname(instance.dataDir), 'script-home');
  mkdirSync(home, { recursive: true });
  const account = postgresAccount();
  if (account) await runProcess('chown', [`${account.uid}:${account.gid}`, home]);
  const pgCtl = (args: string[]) =>
    runProcess(join(binDir, 'pg_ctl'), ['-D', instance.dataDir, ...args], {
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      allowFailure: true,
    });
  f.onTeardown(`stop ${name}`, async () => void (await pgCtl(['stop', '-m', 'immediate', '-s'])));
  const r = await runProcess('/bin/sh', [RAW_SCRIPT], {
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
    cwd: home,
    env: {
      PATH: '/usr/bin:/bin',
      HOME: home,
      AWS: AWS_CLI,
      AWS_ACCESS_KEY_ID: store.accessKeyId,
      AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
      AWS_DEFAULT_REGION: store.region,
      ENDPOINT: store.endpoint,
      BUCKET: store.bucket,
      BACKUP_KEY: drill.store.key(backupEntry.objects[0]!.key),
      WAL_PREFIX: `s3://${store.bucket}/${drill.store.key('wal')}`,
      PGDATA: instance.dataDir,
      PGBIN: binDir,
      PORT: String(instance.connection().port),
      SOCKET_DIR: instance.socketDir,
      TARGET_XID: drill.fault!.txid!,
      DATABASE: drill.db().database,
      TABLE: table,
    },
    allowFailure: true,
  });
  const end = now();
  if (r.code !== 0)
    throw new Error(`bench/raw/pitr.sh exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  await pgCtl(['stop', '-m', 'immediate', '-s']);
  await instance.destroyData();
  return { seconds: round((end - t0) / 1000), rows: Number(r.stdout.trim().split('\n').at(-1)), steps: {} };
}

/** A recovery that brought back the wrong data has no valid time. */
export function checked(run: RecoveryRun, expected: number): RecoveryRun {
  if (run.rows !== expected)
    throw new Error(`bench: a recovery brought back ${run.rows} rows, expected ${expected}: its time is not valid`);
  return run;
}
