import type { FaultType } from '../scenario/schema.js';
import { accidentalDelete } from './accidental-delete.js';
import { clusterLoss } from './cluster-loss.js';
import { corruption } from './corruption.js';
import { diskFull } from './disk-full.js';
import { primaryFailure } from './primary-failure.js';
import type { FaultDefinition } from './types.js';

/** One module per fault, registered here. */
export const faults: { [K in FaultType]: FaultDefinition<K> } = {
  'accidental-delete': accidentalDelete,
  corruption,
  'disk-full': diskFull,
  'cluster-loss': clusterLoss,
  'primary-failure': primaryFailure,
};

export function faultDefinition<T extends FaultType>(type: T): FaultDefinition<T> | undefined {
  return faults[type];
}
