import { z } from 'zod';
import { basebackup, basebackupSpec } from './basebackup.js';
import { dump, dumpSpec } from './dump.js';
import { pgbackrest, pgbackrestSpec } from './pgbackrest.js';
import { volumeSnapshot, volumeSnapshotSpec } from '../environments/kubernetes/backups/volume-snapshot.js';
import type { BackupDefinition } from './types.js';

/** Every backup method's scenario spec; `backup[].method` selects one. One module per method, registered here and below. */
export const backupSchema = z.discriminatedUnion('method', [
  basebackupSpec,
  dumpSpec,
  pgbackrestSpec,
  volumeSnapshotSpec,
]);

export type BackupSpec = z.output<typeof backupSchema>;
export type BackupMethod = BackupSpec['method'];
export type BackupSpecOf<K extends BackupMethod> = Extract<BackupSpec, { method: K }>;

export const backups: { [K in BackupMethod]: BackupDefinition<BackupSpecOf<K>> } = {
  basebackup,
  dump,
  pgbackrest,
  'volume-snapshot': volumeSnapshot,
};

export const BACKUP_METHODS = backupSchema.options.map((o) => o.shape.method.value);

/** The definition of a backup method; total over BackupMethod. */
export function backupDefinition<K extends BackupMethod>(method: K): BackupDefinition<BackupSpecOf<K>> {
  return backups[method];
}
