import { z } from 'zod';
import { DrillError } from '../engine/errors.js';
import { archiverStats } from '../faults/archive-failure.js';
import { archiveCurrentWal } from '../restore/wal-archive.js';
import { now } from '../util/clock.js';
import { defineRecovery } from './types.js';

export const restoreArchiveAccessSpec = z.strictObject({ procedure: z.literal('restore-archive-access') });

/**
 * Brings the object store back and proves the archiver caught up: every segment that piled up during the outage
 * archived, up to a WAL switch made after access returned (pg_stat_archiver.last_archived_wal). That the archive
 * then restores to the present is the verify step { archive: complete }.
 */
export const restoreArchiveAccess = defineRecovery<z.output<typeof restoreArchiveAccessSpec>>({
  title: 'restoring access to the object store; the archiver catches up',
  validate: (_spec, scenario) =>
    scenario.fault?.type === 'archive-failure'
      ? []
      : ['restore-archive-access recovers only from fault type "archive-failure"'],
  async recover(drill) {
    if (!drill.env.restoreObjectStore)
      throw new DrillError('error', `the ${drill.env.kind} environment cannot restore its object store`);
    const before = await archiverStats(drill);
    const restored = await drill.env.restoreObjectStore();
    drill.rto.mark('restore-access');
    drill.recorder.event('recover', restored);
    const t0 = now();
    // After three failures in a row the archiver sleeps until a new segment is ready (or a minute passes): a WAL
    // switch wakes it now, and is the segment every earlier one must be archived before.
    const segment = await archiveCurrentWal(drill, { kind: 'recover', on: drill.primary.name });
    const seconds = Math.round(now() - t0) / 1000;
    drill.rto.mark('archiver-caught-up');
    const after = await archiverStats(drill);
    const failedAttempts = after.failedCount - Number(drill.fault?.failedCountBefore ?? 0);
    drill.recorder.check({
      name: 'the archiver caught up once the object store was back',
      status: 'passed',
      evidence: {
        query: 'SELECT archived_count, last_archived_wal, failed_count, last_failed_wal FROM pg_stat_archiver',
        expected: `last_archived_wal >= ${segment} (switched after access returned)`,
        actual: { before, after },
        backlogSegments: before.readySegments,
        seconds,
      },
    });
    return {
      backlogSegments: before.readySegments,
      archivedDuringCatchUp: after.archivedCount - before.archivedCount,
      failedAttempts,
      catchUpSeconds: seconds,
      lastArchivedWal: after.lastArchivedWal,
    };
  },
});
