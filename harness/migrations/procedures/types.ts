import type { PhaseName } from '../../engine/journal.js';
import type { MigrationScenario } from '../schema.js';
import type { Migration } from '../context.js';

/** One step of a migration procedure, run as its own phase with its own checks. */
export interface MigrationStep {
  name: Extract<PhaseName, 'copy' | 'dual-write' | 'sync' | 'cutover' | 'fence'>;
  run(migration: Migration): Promise<void>;
}

/**
 * One migration procedure, in one module: its scenario spec (zod, exported beside it and registered in
 * index.ts) and this definition. `S` is the parsed spec.
 */
export interface MigrationProcedureDefinition<S> {
  /** The procedure in words, for reports. */
  title: string;
  /** Cross-field checks at validation time. */
  validate?(spec: S, scenario: MigrationScenario): string[];
  /** Settings the source needs before it starts (e.g. wal_level = logical). */
  sourceSettings?(spec: S): Record<string, string | number | boolean>;
  /** The steps after the writer started on the source; each is a phase. State lives in the closure. */
  steps(spec: S): MigrationStep[];
}

export function defineMigrationProcedure<S>(
  definition: MigrationProcedureDefinition<S>,
): MigrationProcedureDefinition<S> {
  return definition;
}
