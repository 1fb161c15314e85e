import type { FaultRecord } from '../faults/types.js';
import { DrillError } from '../engine/errors.js';
import type { RecoveryTarget } from '../recoveries/target.js';

/** recovery_target_* settings for a target; `before-fault` stops just before the destructive transaction. */
export function recoveryTargetSettings(
  target: RecoveryTarget,
  fault: FaultRecord | undefined,
  foundXid?: string,
): Record<string, string> {
  switch (target.type) {
    case 'before-fault':
      if (!fault?.txid)
        throw new DrillError('error', 'recovery.target "before-fault" needs a fault that recorded its transaction id');
      return { recovery_target_xid: fault.txid, recovery_target_inclusive: 'off' };
    case 'find-in-wal':
      if (!foundXid) throw new DrillError('error', 'the destructive transaction was not found in the archived WAL');
      return { recovery_target_xid: foundXid, recovery_target_inclusive: 'off' };
    case 'time':
      return { recovery_target_time: target.value };
    case 'xid':
      return { recovery_target_xid: target.value };
    case 'lsn':
      return { recovery_target_lsn: target.value };
    case 'name':
      return { recovery_target_name: target.value };
    case 'immediate':
      return { recovery_target: 'immediate' };
    case 'end-of-archive':
      return {};
  }
}
