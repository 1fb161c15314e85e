import type { Drill } from '../engine/context.js';
import { DRILL_DATABASE } from '../engine/context.js';
import { lostWrites } from '../measurement/rpo.js';
import { readSurvival } from '../measurement/survival.js';
import { restoreBaseBackup } from '../restore/restore-base-backup.js';
import { DEFAULT_PREFETCH } from '../recoveries/target.js';
import { archiveCurrentWal } from '../restore/wal-archive.js';
import { withClient } from '../util/pg-client.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import type { WriteSnapshot } from './table-checks.js';

export const ARCHIVE_CHECK_INSTANCE = 'archive-check';

/**
 * { archive: complete }: the WAL archive holds everything from the newest base backup to the present, proven by
 * restoring from it. A named restore point is written on the primary after every write acknowledged so far and
 * pushed into the archive (a WAL switch, awaited in pg_stat_archiver); the newest base backup is restored into a
 * new instance and replayed to that point (PostgreSQL refuses to promote if the archive ends before it), and must
 * hold every one of those writes. The primary is not touched.
 *
 * Replay stops at the restore point rather than at the end of the archive: the primary keeps archiving, and a
 * segment read while it is being uploaded is not part of "the present" this check proves.
 */
export async function verifyArchiveRestore(drill: Drill, writes: WriteSnapshot): Promise<void> {
  const acks = [...writes.acks];
  const newest = acks.at(-1);
  const point = `drdrill-archive-check-${drill.runId}`;
  const pointLsn = await withClient(drill.primary.connection(DRILL_DATABASE), async (c) => {
    const r = await c.query<{ lsn: string }>('SELECT pg_create_restore_point($1)::text AS lsn', [point]);
    return r.rows[0]!.lsn;
  });
  const segment = await archiveCurrentWal(drill, { kind: 'verify', on: drill.primary.name });
  const restored = await restoreBaseBackup(drill, {
    instanceName: ARCHIVE_CHECK_INSTANCE,
    target: { type: 'name', value: point },
    action: 'promote',
    prefetch: DEFAULT_PREFETCH,
    archive: false,
    markRto: false,
  });
  const instance = restored.instance;
  let found: { lost: number[]; maxSeq: number | null; tables: string[] };
  try {
    found = await withClient(instance.connection(DRILL_DATABASE), async (c) => {
      const lost = lostWrites(acks, await readSurvival(c, acks, drill.baseline), undefined, { writerRunning: true });
      const max = await c.query<{ max: string | null }>(`SELECT max(seq)::text AS max FROM ${LEDGER_TABLE}`);
      return {
        lost: lost.map((l) => l.ack.seq),
        maxSeq: max.rows[0]?.max ? Number(max.rows[0].max) : null,
        tables: [...new Set(lost.flatMap((l) => l.tables))],
      };
    });
  } finally {
    await instance.stop('fast');
  }
  const reached = newest === undefined || (found.maxSeq ?? 0) >= newest.seq;
  const ok = reached && found.lost.length === 0;
  drill.recorder.check({
    name: `a restore of backup ${restored.backup.id} from the WAL archive reaches the newest acknowledged write${newest ? ` (seq ${newest.seq})` : ''}`,
    status: ok ? 'passed' : 'failed',
    ...(ok
      ? {}
      : {
          message: [
            ...(reached ? [] : [`the restore ends at seq ${found.maxSeq ?? 'none'}`]),
            ...(found.lost.length
              ? [
                  `${found.lost.length} acknowledged write(s) missing from it (seq ${found.lost[0]}..${found.lost.at(-1)}; ${found.tables.join(', ')})`,
                ]
              : []),
          ].join('; '),
        }),
    covers: ['archive'],
    evidence: {
      command: `restore ${restored.backup.id} into ${instance.name}, replay to restore point ${point} (${pointLsn}, archived in ${segment}), promote`,
      query: `SELECT seq FROM ${LEDGER_TABLE}; the rows each acknowledged write changed`,
      expected: `${acks.length} acknowledged writes, up to seq ${newest?.seq ?? 'none'} (lsn ${newest?.lsn ?? '-'})`,
      actual: `newest seq ${found.maxSeq ?? 'none'}, ${found.lost.length} missing; replayed to ${restored.replayEndLsn ?? '?'}`,
    },
  });
}
