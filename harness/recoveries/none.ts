import type { RecoveryDefinition } from './types.js';

/** No recovery: for drills without a fault (smoke) or that only observe detection. */
export const noRecovery: RecoveryDefinition = {
  procedure: 'none',
  validate(_spec, scenario) {
    return scenario.fault ? [`recovery.procedure "none" cannot recover from fault "${scenario.fault.type}"`] : [];
  },
  async recover() {},
};
