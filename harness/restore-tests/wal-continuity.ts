import { DrillError } from '../engine/errors.js';
import { firstGap, isSegmentName, segmentNumber } from '../wal/segments.js';
import type { RestoreTest } from './context.js';

/** One archived WAL file: its segment name and where it is in the source. */
export interface ArchivedSegment {
  name: string;
  key: string;
  lastModified?: Date;
}

/**
 * WAL continuity from the segment a backup starts in to the newest archived segment of its timeline: every
 * segment in between must be there, or replay stops at the gap and PostgreSQL promotes early, silently. The
 * segment the backup needs to become consistent must be there too. Recorded as a check and as
 * `measurements.wal`; a gap stops the restore test, naming the missing segment and where it should be.
 */
export function checkWalContinuity(
  ctx: RestoreTest,
  archived: readonly ArchivedSegment[],
  start: string,
  end: string | undefined,
  keyOf: (segment: string) => string,
): void {
  const timeline = segmentNumber(start).timeline;
  const segments = archived.filter((a) => isSegmentName(a.name) && segmentNumber(a.name).timeline === timeline);
  const from = segmentNumber(start).n;
  const usable = segments.filter((s) => segmentNumber(s.name).n >= from).sort((a, b) => (a.name < b.name ? -1 : 1));
  const newest = usable.at(-1);
  const gap = firstGap(
    usable.map((s) => s.name),
    start,
  );
  const missingStart = !usable.some((s) => s.name === start) ? start : undefined;
  const missingEnd = end && (!newest || newest.name < end) ? end : undefined;
  const missing = missingStart ?? gap?.missing ?? missingEnd;
  ctx.recorder.measure('wal', {
    from: start,
    ...(end ? { needed: end } : {}),
    newest: newest?.name ?? null,
    ...(newest?.lastModified ? { newestAt: newest.lastModified.toISOString() } : {}),
    segments: usable.length,
    continuous: !missing,
    ...(missing ? { missing } : {}),
  });
  const name = `WAL is continuous from ${start} to the newest archived segment${newest ? ` (${newest.name})` : ''}`;
  const message = missing
    ? `WAL segment ${missing} is missing from the archive (${keyOf(missing)})${
        missing === missingEnd ? ': the backup cannot become consistent without it' : `; replay would stop there`
      }`
    : undefined;
  ctx.recorder.check({
    name,
    status: missing ? 'failed' : 'passed',
    ...(message ? { message } : {}),
    evidence: {
      expected: `every segment from ${start} to ${newest?.name ?? end ?? start}`,
      actual: missing ? `${missing} missing` : `${usable.length} segments, none missing`,
    },
  });
  if (message) throw new DrillError('failed', message);
}
