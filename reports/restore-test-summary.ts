import type { Journal } from '../harness/engine/journal.js';
import { formatBytes, formatDateTime, formatSeconds } from './format.js';

/**
 * A restore test in plain words: which backup, how old, restored from where, how long each step took, and
 * whether the WAL archive was continuous.
 */
export function restoreTestSentences(journal: Journal): string[] {
  const parsed = journal.scenario.parsed;
  if (parsed.kind !== 'RestoreTest') return [];
  const backup = journal.measurements.backup;
  const restore = journal.measurements.restore;
  const wal = journal.measurements.wal;
  const store = parsed.source.objectStore;
  const where = `s3://${store.bucket}/${store.prefix ?? ''}`;
  const out: string[] = [];
  out.push(
    backup?.id
      ? `The ${parsed.source.format.type} backup ${backup.id} (completed ${backup.time ? formatDateTime(backup.time) : 'at an unknown time'}, ${formatSeconds(backup.ageSeconds)} old when the test started, ${formatBytes(backup.bytes)}) was selected from ${where}.`
      : `No backup was selected from ${where}.`,
  );
  if (wal)
    out.push(
      wal.continuous
        ? `The WAL archive is continuous from ${wal.from} to ${wal.newest ?? wal.from} (${wal.segments} segments).`
        : `The WAL archive has a gap: segment ${wal.missing} is missing.`,
    );
  if (restore?.seconds !== undefined) {
    const phases = Object.entries(restore.phases ?? {})
      .map(([name, s]) => `${name} ${formatSeconds(s)}`)
      .join(', ');
    const rate = restore.bytesPerSecond ? ` (${formatBytes(restore.bytesPerSecond)}/s)` : '';
    out.push(
      `It was restored into a scratch ${journal.environment?.kind ?? ''} instance and verified in ${formatSeconds(restore.seconds)}: ${phases}; ${formatBytes(restore.bytes ?? 0)} fetched${rate}.`.replace(
        '  ',
        ' ',
      ),
    );
    if (restore.replay) out.push(`Replay: ${restore.replay.description}.`);
  } else {
    const failed = journal.phases.find((p) => p.status !== 'passed' && p.status !== 'skipped' && p.name !== 'teardown');
    out.push(
      failed
        ? `The restore did not complete: the ${failed.name} step ${failed.status}${failed.error ? ` — ${failed.error}` : ''}.`
        : 'The restore did not complete.',
    );
  }
  return out;
}

export function restoreTestHeadline(journal: Journal): { label: string; value: string; id: string }[] {
  const backup = journal.measurements.backup;
  const restore = journal.measurements.restore;
  return [
    { label: 'restore time (list → verified)', value: formatSeconds(restore?.seconds), id: 'restore-seconds' },
    { label: 'backup age', value: formatSeconds(backup?.ageSeconds), id: 'backup-age' },
    { label: 'restored', value: restore?.bytes !== undefined ? formatBytes(restore.bytes) : '—', id: 'restore-bytes' },
    {
      label: 'throughput',
      value: restore?.bytesPerSecond ? `${formatBytes(restore.bytesPerSecond)}/s` : '—',
      id: 'restore-throughput',
    },
  ];
}
