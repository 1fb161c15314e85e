import type { RecoveryProcedure } from '../scenario/schema.js';
import type { RecoveryDefinition } from './types.js';
import { growVolume } from './grow-volume.js';
import { noRecovery } from './none.js';
import { promoteStandby } from './promote-standby.js';
import { rebuildFromObjectStore } from './rebuild-from-object-store.js';
import { restoreDump } from './restore-dump.js';
import { pitr } from './pitr.js';
import { undelete } from './undelete.js';

/** One module per recovery procedure, registered here. */
export const recoveries: { [K in RecoveryProcedure]: RecoveryDefinition } = {
  none: noRecovery,
  pitr,
  undelete,
  'rebuild-from-object-store': rebuildFromObjectStore,
  'grow-volume': growVolume,
  'promote-standby': promoteStandby,
  'restore-dump': restoreDump,
};

export function recoveryDefinition(procedure: RecoveryProcedure): RecoveryDefinition | undefined {
  return recoveries[procedure];
}
