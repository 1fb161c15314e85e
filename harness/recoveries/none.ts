import { z } from 'zod';
import { defineRecovery } from './types.js';

export const noRecoverySpec = z.strictObject({ procedure: z.literal('none') });

/** No recovery: for drills without a fault (smoke). */
export const noRecovery = defineRecovery<z.output<typeof noRecoverySpec>>({
  title: 'no recovery procedure',
  validate: (_spec, scenario) =>
    scenario.fault ? [`recovery.procedure "none" cannot recover from fault "${scenario.fault.type}"`] : [],
  async recover() {
    return {};
  },
});
