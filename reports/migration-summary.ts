import type { Journal } from '../harness/engine/journal.js';
import { formatBytes, formatCount, formatDate, formatSeconds } from './format.js';
import { checksSentence, dataLossSentence, objectiveSentence, procedureOf, verdictSentence } from './summary.js';

/**
 * The plain-words account of a migration: from what to what, by which procedure, how long writes stopped,
 * how far behind the target was at the switch, how fast the copy ran, and what did not arrive.
 */
export function migrationSummary(journal: Journal): string[] {
  const m = journal.measurements.migration;
  const side = (s: typeof m extends undefined ? never : NonNullable<typeof m>['source']) =>
    s ? `PostgreSQL ${s.version}` : 'PostgreSQL';
  const what = `The shop database was migrated from a source (${side(m?.source)}) to a target (${side(m?.target)}) by ${procedureOf(journal)} on ${formatDate(journal.startedAt)}, with the application writing throughout.`;
  const copy = m?.copy
    ? `The copy (${m.copy.tool}${m.copy.jobs ? `, ${m.copy.jobs} jobs` : ''}) moved ${formatBytes(m.copy.bytes)} and ${formatCount(m.copy.rows)} rows in ${formatSeconds(m.copy.seconds)} (${formatBytes(m.copy.bytesPerSecond)}/s, ${formatCount(m.copy.rowsPerSecond)} rows/s).`
    : undefined;
  const downtime =
    m?.writeDowntimeSeconds !== undefined
      ? `Writes were not acknowledged for ${formatSeconds(m.writeDowntimeSeconds)} at the switch${m.freezeSeconds !== undefined ? ` (writes held by the procedure for ${formatSeconds(m.freezeSeconds)})` : ''}${m.lagAtCutoverSeconds !== undefined ? `; the target was ${formatSeconds(m.lagAtCutoverSeconds)} behind the source when writes froze` : ''}.`
      : 'The switch to the target did not happen, so no write downtime was measured.';
  const divergent =
    m?.divergentRows !== undefined
      ? m.divergentRows === 0
        ? 'Old and new held the same rows at the cutover.'
        : `${formatCount(m.divergentRows)} rows differed between old and new at the cutover.`
      : undefined;
  return [
    what,
    copy,
    downtime,
    divergent,
    dataLossSentence(journal),
    ...journal.objectives.map(objectiveSentence),
    checksSentence(journal),
    verdictSentence(journal),
  ].filter((s): s is string => !!s);
}
