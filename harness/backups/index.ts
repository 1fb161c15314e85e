import type { BackupMethod } from '../scenario/schema.js';
import { basebackup } from './basebackup.js';
import { dump } from './dump.js';
import { pgbackrest } from './pgbackrest.js';
import type { BackupDefinition } from './types.js';

/** One module per backup method, registered here. */
export const backups: { [K in BackupMethod]: BackupDefinition<K> } = {
  basebackup,
  dump,
  pgbackrest,
};

export function backupDefinition<M extends BackupMethod>(method: M): BackupDefinition<M> | undefined {
  return backups[method];
}
