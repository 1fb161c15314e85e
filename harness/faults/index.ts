import type { FaultType } from '../scenario/schema.js';
import { accidentalDelete } from './accidental-delete.js';
import type { FaultDefinition } from './types.js';

/** One module per fault, registered here. A type missing from the map fails validation before any work. */
export const faults: { [K in FaultType]?: FaultDefinition<K> } = {
  'accidental-delete': accidentalDelete,
};

export function faultDefinition<T extends FaultType>(type: T): FaultDefinition<T> | undefined {
  return faults[type] as FaultDefinition<T> | undefined;
}
