import { z } from 'zod';
import { expandVolume, expandVolumeSpec } from '../environments/kubernetes/recoveries/expand-volume.js';
import { growVolume, growVolumeSpec } from './grow-volume.js';
import { noRecovery, noRecoverySpec } from './none.js';
import { pitr, pitrSpec } from './pitr.js';
import { promoteStandby, promoteStandbySpec } from './promote-standby.js';
import { rebuildFromObjectStore, rebuildFromObjectStoreSpec } from './rebuild-from-object-store.js';
import { restoreArchiveAccess, restoreArchiveAccessSpec } from './restore-archive-access.js';
import { restoreDump, restoreDumpSpec } from './restore-dump.js';
import type { RecoveryDefinition } from './types.js';
import { undelete, undeleteSpec } from './undelete.js';

/** Every recovery procedure's scenario spec; `recovery.procedure` selects one. One module each, registered here and below. */
export const recoverySchema = z.discriminatedUnion('procedure', [
  noRecoverySpec,
  pitrSpec,
  undeleteSpec,
  restoreDumpSpec,
  rebuildFromObjectStoreSpec,
  growVolumeSpec,
  expandVolumeSpec,
  promoteStandbySpec,
  restoreArchiveAccessSpec,
]);

export type RecoverySpec = z.output<typeof recoverySchema>;
export type RecoveryProcedure = RecoverySpec['procedure'];
export type RecoverySpecOf<K extends RecoveryProcedure> = Extract<RecoverySpec, { procedure: K }>;

export const recoveries: { [K in RecoveryProcedure]: RecoveryDefinition<RecoverySpecOf<K>> } = {
  none: noRecovery,
  pitr,
  undelete,
  'restore-dump': restoreDump,
  'rebuild-from-object-store': rebuildFromObjectStore,
  'grow-volume': growVolume,
  'expand-volume': expandVolume,
  'promote-standby': promoteStandby,
  'restore-archive-access': restoreArchiveAccess,
};

export const RECOVERY_PROCEDURES = recoverySchema.options.map((o) => o.shape.procedure.value);

/** The definition of a recovery procedure; total over RecoveryProcedure. */
export function recoveryDefinition<K extends RecoveryProcedure>(procedure: K): RecoveryDefinition<RecoverySpecOf<K>> {
  return recoveries[procedure];
}
