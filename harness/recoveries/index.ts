import type { RecoveryProcedure } from '../scenario/schema.js';
import type { RecoveryDefinition } from './types.js';
import { noRecovery } from './none.js';
import { pitr } from './pitr.js';
import { undelete } from './undelete.js';

/** One module per recovery procedure, registered here. */
export const recoveries: { [K in RecoveryProcedure]?: RecoveryDefinition } = {
  none: noRecovery,
  pitr,
  undelete,
};

export function recoveryDefinition(procedure: RecoveryProcedure): RecoveryDefinition | undefined {
  return recoveries[procedure];
}
