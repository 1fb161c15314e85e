import type { Drill } from '../engine/context.js';
import type { RpoExposure } from '../engine/journal.js';
import { round } from '../engine/recorder.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import { segmentNumber, segmentOfLsn } from '../wal/segments.js';
import type { Ack } from '../workload/writes.js';

const SAMPLE_MS = 1000;

/**
 * Acknowledged writes that exist only on the primary: their ledger row's WAL position lies in a segment after
 * the last one archived (pg_stat_archiver.last_archived_wal; a .backup or .history name counts as its segment).
 */
export function unarchivedAcks(acks: readonly Ack[], lastArchivedWal: string | null): Ack[] {
  if (!lastArchivedWal) return [...acks];
  const last = segmentNumber(lastArchivedWal.slice(0, 24));
  return acks.filter((a) => segmentNumber(segmentOfLsn(last.timeline, a.lsn)).n > last.n);
}

interface ArchiverState {
  lastArchivedWal: string | null;
  failedCount: number;
  readySegments: number;
}

/**
 * Samples, every second from the fault on, how many acknowledged writes exist only on the primary and how old the
 * oldest of them is, into measurements.rpoExposure: it grows while archiving fails, and falls back to what
 * archive_timeout allows once the archiver caught up. It stops with the workload, and at teardown.
 */
export function sampleRpoExposure(drill: Drill, faultAt: number): void {
  const exposure: RpoExposure = { samples: [], maxUnarchivedWrites: 0, maxOldestSeconds: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped && !drill.signal.aborted && drill.workload.running) {
      const at = now();
      const state = await archiverState(drill).catch(() => undefined);
      if (state) {
        const pending = unarchivedAcks(drill.workload.acks, state.lastArchivedWal);
        const oldest = pending[0] ? round((at - pending[0].ackAt) / 1000) : 0;
        exposure.samples.push({
          at: new Date(at).toISOString(),
          t: round((at - faultAt) / 1000),
          unarchivedWrites: pending.length,
          oldestSeconds: oldest,
          readySegments: state.readySegments,
          lastArchivedWal: state.lastArchivedWal,
          failedCount: state.failedCount,
        });
        exposure.maxUnarchivedWrites = Math.max(exposure.maxUnarchivedWrites, pending.length);
        exposure.maxOldestSeconds = Math.max(exposure.maxOldestSeconds, oldest);
        drill.recorder.measure('rpoExposure', exposure);
      }
      await sleep(SAMPLE_MS, drill.signal).catch(() => {});
    }
  })();
  drill.onTeardown('stop sampling the RPO exposure', async () => {
    stopped = true;
    await loop;
  });
}

async function archiverState(drill: Drill): Promise<ArchiverState> {
  return withClient(drill.primary.connection('postgres'), async (c) => {
    const r = await c.query<{ last: string | null; failed: number; ready: number }>(
      `SELECT last_archived_wal AS last, failed_count::int AS failed,
              (SELECT count(*)::int FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') AS ready
         FROM pg_stat_archiver`,
    );
    const row = r.rows[0]!;
    return { lastArchivedWal: row.last, failedCount: row.failed, readySegments: row.ready };
  });
}
