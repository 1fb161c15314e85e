import { z } from 'zod';
import { accidentalDelete, accidentalDeleteSpec } from './accidental-delete.js';
import { archiveFailure, archiveFailureSpec } from './archive-failure.js';
import { clusterLoss, clusterLossSpec } from './cluster-loss.js';
import { corruption, corruptionSpec } from './corruption.js';
import { diskFull, diskFullSpec } from './disk-full.js';
import { primaryFailure, primaryFailureSpec } from './primary-failure.js';
import { sqlFault, sqlFaultSpec } from './sql.js';
import type { FaultDefinition } from './types.js';

/** Every fault's scenario spec; `fault.type` selects one. One module per fault, registered here and below. */
export const faultSchema = z.discriminatedUnion('type', [
  accidentalDeleteSpec,
  corruptionSpec,
  diskFullSpec,
  clusterLossSpec,
  primaryFailureSpec,
  archiveFailureSpec,
  sqlFaultSpec,
]);

export type FaultSpec = z.output<typeof faultSchema>;
export type FaultType = FaultSpec['type'];
export type FaultSpecOf<K extends FaultType> = Extract<FaultSpec, { type: K }>;

export const faults: { [K in FaultType]: FaultDefinition<FaultSpecOf<K>> } = {
  'accidental-delete': accidentalDelete,
  corruption,
  'disk-full': diskFull,
  'cluster-loss': clusterLoss,
  'primary-failure': primaryFailure,
  'archive-failure': archiveFailure,
  sql: sqlFault,
};

export const FAULT_TYPES = faultSchema.options.map((o) => o.shape.type.value);

/** The definition of a fault; total over FaultType. */
export function faultDefinition<K extends FaultType>(type: K): FaultDefinition<FaultSpecOf<K>> {
  return faults[type];
}
