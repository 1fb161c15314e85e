import { budgetMs } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import { objectStoreProblem } from '../objectstore/health.js';
import type { Drill } from '../engine/context.js';
import type { ObjectStore } from '../objectstore/client.js';
import { retryUntil } from '../util/retry.js';
import { withClient } from '../util/pg-client.js';
import { firstGap, isSegmentName, segmentOfLsn } from '../wal/segments.js';
import type { CatalogEntry } from './catalog.js';

/** Names of the archived WAL files (segments, history files), as stored under wal/. */
export async function archivedWal(store: ObjectStore): Promise<string[]> {
  return (await store.list('wal/')).map((o) => o.key.slice('wal/'.length)).sort();
}

/**
 * The first segment missing between the backup's start and the newest archived segment of its timeline.
 * Replay would stop there and PostgreSQL could promote early, silently losing everything after it.
 */
export async function findArchiveGap(
  store: ObjectStore,
  entry: CatalogEntry,
): Promise<{ missing: string; newest: string } | undefined> {
  const names = (await archivedWal(store)).filter(isSegmentName);
  return firstGap(names, segmentOfLsn(entry.timeline, entry.startLsn));
}

/**
 * While the damaged primary is still up, close its current WAL segment and wait until the archive holds it,
 * so that replay can reach the moment of the fault (otherwise it sits in the unarchived segment).
 */
export async function archiveCurrentWal(
  drill: Drill,
  event: { kind: string; on: string } = { kind: 'recover', on: 'the damaged primary' },
): Promise<string> {
  const segment = await withClient(drill.primary.connection('postgres'), async (c) => {
    const r = await c.query<{ seg: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS seg');
    return r.rows[0]!.seg;
  });
  // pg_stat_archiver counts a segment once archive_command succeeded, whichever tool archives it. When the
  // archiver fails on it, an object store that does not answer ends the wait at once, named.
  let probed = 0;
  await retryUntil(
    `WAL segment ${segment} archived`,
    async () => {
      const row = await withClient(drill.primary.connection('postgres'), async (c) => {
        const r = await c.query<{ last: string | null; failed: string | null }>(
          'SELECT last_archived_wal AS last, last_failed_wal AS failed FROM pg_stat_archiver',
        );
        return r.rows[0]!;
      });
      if ((row.failed ?? '').slice(0, 24) >= segment && performance.now() - probed > 1000) {
        probed = performance.now();
        const problem = await objectStoreProblem(drill.store);
        if (problem) throw new DrillError('error', `WAL segment ${segment} cannot be archived: ${problem}`);
      }
      return row.last ?? '';
    },
    (last) => last.slice(0, 24) >= segment,
    {
      timeoutMs: budgetMs('archiveWait'),
      intervalMs: 100,
      signal: drill.signal,
      failFast: (err) => err instanceof DrillError,
    },
  );
  drill.recorder.event(event.kind, `switched WAL on ${event.on}; ${segment} is archived`);
  return segment;
}
