import { z } from 'zod';
import { budgetMs } from '../engine/budgets.js';
import type { Drill } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import { SkipDrill } from '../engine/skip.js';
import { sampleRpoExposure } from '../measurement/rpo-exposure.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';
import { defineFault } from './types.js';

export const archiveFailureSpec = z.strictObject({ type: z.literal('archive-failure') });

/** pg_stat_archiver of the primary, as the fault and its recovery read it. */
export interface ArchiverStats {
  archivedCount: number;
  lastArchivedWal: string | null;
  failedCount: number;
  lastFailedWal: string | null;
  readySegments: number;
}

export async function archiverStats(drill: Drill): Promise<ArchiverStats> {
  return withClient(drill.primary.connection('postgres'), async (c) => {
    const r = await c.query<ArchiverStats>(
      `SELECT archived_count::int AS "archivedCount", last_archived_wal AS "lastArchivedWal",
              failed_count::int AS "failedCount", last_failed_wal AS "lastFailedWal",
              (SELECT count(*)::int FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') AS "readySegments"
         FROM pg_stat_archiver`,
    );
    return r.rows[0]!;
  });
}

/**
 * The object store becomes unreachable while the application keeps writing: the drill stops the object store it
 * runs (the embedded S3), so every archive_command fails as it would against a store that is down, and the WAL
 * of every new write exists only on the primary. Nothing is lost yet; what is at risk is measured every second
 * (measurements.rpoExposure). The recovery starts the store again on the same objects.
 */
export const archiveFailure = defineFault<z.output<typeof archiveFailureSpec>>({
  damage: () => [{ kind: 'archive', name: 'wal' }],
  validate(_spec, scenario) {
    const problems: string[] = [];
    if (!scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal))
      problems.push('needs WAL archiving to break: backup: [{ method: basebackup, archiveWal: true }]');
    if (scenario.environment.objectStore.kind !== 'embedded')
      problems.push(
        'stops the object store drdrill runs; an external one (objectStore.kind "s3") is not drdrill\'s to stop: use objectStore: { kind: embedded }',
      );
    return problems;
  },
  async inject(drill) {
    if (!drill.env.interruptObjectStore)
      throw new SkipDrill(
        `archive-failure stops the object store, which the ${drill.env.kind} environment does not do yet; run it with --env native`,
      );
    const before = await archiverStats(drill);
    const at = now();
    const description = await drill.env.interruptObjectStore();
    sampleRpoExposure(drill, at);
    return {
      at,
      description,
      damaged: [{ kind: 'archive', name: 'wal' }],
      lastArchivedWal: before.lastArchivedWal,
      failedCountBefore: before.failedCount,
    };
  },
  async detect(drill) {
    // As an operator sees it: archive_command failing, counted by pg_stat_archiver and logged by the server.
    const before = Number(drill.fault?.failedCountBefore ?? 0);
    let stats: ArchiverStats | undefined;
    try {
      stats = await retryUntil(
        'a failed archive_command in pg_stat_archiver',
        () => archiverStats(drill),
        (s) => s.failedCount > before,
        { timeoutMs: budgetMs('archiveWait'), intervalMs: 250, signal: drill.signal },
      );
    } catch (err) {
      if (drill.signal.aborted) throw err;
    }
    const log = (await drill.primary.logTail(400)).split('\n');
    const logged = log.filter((l) => /archive command failed/.test(l)).at(-1);
    const ok = !!stats && !!logged;
    drill.recorder.check({
      name: 'WAL archiving fails while the object store is unreachable',
      status: ok ? 'passed' : 'failed',
      ...(ok
        ? {}
        : {
            message: `${stats ? '' : `pg_stat_archiver.failed_count did not rise within ${budgetMs('archiveWait') / 1000} s`}${!stats && !logged ? '; ' : ''}${logged ? '' : 'no "archive command failed" in the server log'}`,
          }),
      evidence: {
        query: 'SELECT failed_count, last_failed_wal, last_archived_wal FROM pg_stat_archiver',
        expected: `failed_count > ${before}`,
        actual: stats ?? null,
        output: logged ?? '',
      },
    });
    if (!ok) throw new DrillError('failed', 'archiving did not fail although the object store was unreachable');
  },
});
