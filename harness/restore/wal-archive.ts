import { budgetMs } from '../engine/budgets.js';
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
  // pg_stat_archiver counts a segment once archive_command succeeded, whichever tool archives it.
  await retryUntil(
    `WAL segment ${segment} archived`,
    () =>
      withClient(
        drill.primary.connection('postgres'),
        async (c) =>
          (await c.query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver')).rows[0]!
            .last ?? '',
      ),
    (last) => last.slice(0, 24) >= segment,
    { timeoutMs: budgetMs('archiveWait'), intervalMs: 100, signal: drill.signal },
  );
  drill.recorder.event(event.kind, `switched WAL on ${event.on}; ${segment} is archived`);
  return segment;
}
