import { DrillError } from '../engine/errors.js';
import { parseDuration } from '../scenario/fields.js';
import type { ListedBackup } from './formats/types.js';
import type { SourceSelect } from './schema.js';

/** The backup `source.select` names: the newest, the newest before a time, or one by id. */
export function selectBackup(backups: readonly ListedBackup[], select: SourceSelect, at = Date.now()): ListedBackup {
  if (!backups.length) throw new DrillError('failed', 'the source holds no backup: nothing to restore');
  const byTime = [...backups].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  if (select === 'newest') return byTime.at(-1)!;
  if ('id' in select) {
    const found = backups.find((b) => b.id === select.id);
    if (!found)
      throw new DrillError(
        'failed',
        `the source holds no backup "${select.id}"; it holds ${backups.map((b) => b.id).join(', ')}`,
      );
    return found;
  }
  const limit = /^\d+(\.\d+)?(ms|s|m|h)$/.test(select.before)
    ? at - parseDuration(select.before)
    : Date.parse(select.before);
  const found = byTime.filter((b) => Date.parse(b.time) < limit).at(-1);
  if (!found)
    throw new DrillError(
      'failed',
      `no backup completed before ${new Date(limit).toISOString()}; the oldest is ${byTime[0]!.id} (${byTime[0]!.time})`,
    );
  return found;
}

/** Seconds since the backup completed, at `at`. */
export function backupAgeSeconds(backup: ListedBackup, at = Date.now()): number {
  return Math.max(0, Math.round((at - Date.parse(backup.time)) / 10) / 100);
}
