import type { Drill } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import { listBaseBackups } from '../restore/catalog.js';
import { archiveCurrentWal, archivedWal } from '../restore/wal-archive.js';
import { download } from '../wal/fetch.js';
import { isSegmentName, segmentNumber, segmentOfLsn } from '../wal/segments.js';
import type { RecoveryTarget } from './target.js';

const SCRATCH = 'drdrill-waldump';

/**
 * For an incident the drill did not cause: reads the archived WAL with pg_waldump and returns the xid of the
 * first transaction that deleted from, truncated or dropped `table` after the newest base backup.
 */
export async function findDestructiveXid(
  drill: Drill,
  table: string,
): Promise<{ xid: string; lsn: string; line: string }> {
  const rel = drill.baseline?.relations[table];
  if (!rel)
    throw new DrillError(
      'error',
      `recovery.target.table: "${table}" was not in the baseline, so its storage cannot be recognised in the WAL`,
    );
  const backup = (await listBaseBackups(drill.store)).at(-1);
  if (!backup) throw new DrillError('failed', 'no base backup: cannot tell where to start reading the WAL');
  const first = segmentNumber(segmentOfLsn(backup.timeline, backup.startLsn)).n;
  const segments = (await archivedWal(drill.store)).filter(
    (n) => isSegmentName(n) && segmentNumber(n).timeline === backup.timeline && segmentNumber(n).n >= first,
  );
  const host = drill.primary;
  await host.removePath(SCRATCH);
  try {
    for (const name of segments) {
      const data = await download(drill.store, name);
      if (data) await host.writeFile(`${SCRATCH}/${name}`, data);
    }
    const dump = await host.runTool('pg_waldump', {
      args: ['-p', `${host.dataDir}/${SCRATCH}`, '-s', backup.startLsn, segments[0]!, segments.at(-1)!],
      allowFailure: true,
    });
    await drill.saveArtifact(
      'pg_waldump-search.txt',
      dump.stdout
        .split('\n')
        .filter((l) => matches(l, rel))
        .join('\n'),
      `WAL records touching ${table}`,
    );
    for (const line of dump.stdout.split('\n')) {
      if (!matches(line, rel)) continue;
      const xid = /tx:\s+(\d+)/.exec(line)?.[1];
      const lsn = /lsn: ([0-9A-F]+\/[0-9A-F]+)/.exec(line)?.[1];
      if (xid && xid !== '0' && lsn) {
        drill.recorder.event('detect', `pg_waldump: transaction ${xid} destroyed ${table} at ${lsn}`, { line });
        return { xid, lsn, line };
      }
    }
  } finally {
    await host.removePath(SCRATCH);
  }
  throw new DrillError(
    'failed',
    `no DELETE, TRUNCATE or DROP of ${table} found in the archived WAL since backup ${backup.id}`,
  );
}

function matches(line: string, rel: { oid: string; relfilenode: string; databaseOid: string }): boolean {
  const storage = `1663/${rel.databaseOid}/${rel.relfilenode}`;
  return (
    (/desc: DELETE/.test(line) && line.includes(`rel ${storage} `)) ||
    (/desc: TRUNCATE/.test(line) && new RegExp(`relids( \\d+)* ${rel.oid}\\b`).test(line)) ||
    (/desc: COMMIT/.test(line) && line.includes(`base/${rel.databaseOid}/${rel.relfilenode}`))
  );
}

/**
 * The first steps of PITR and undelete: archive the damaged primary's current WAL (it is still up), then
 * settle the target, reading the WAL for it when asked to.
 */
export async function prepareTarget(
  drill: Drill,
  requested: RecoveryTarget | undefined,
): Promise<{ target: RecoveryTarget; foundXid?: string; found?: { xid: string; lsn: string; line: string } }> {
  const target: RecoveryTarget = requested ?? { type: 'before-fault' };
  await archiveCurrentWal(drill);
  drill.rto.mark('archive-current-wal');
  if (target.type !== 'find-in-wal') return { target };
  const found = await findDestructiveXid(drill, target.table ?? drill.fault?.tables?.[0] ?? '');
  return { target, foundXid: found.xid, found };
}
