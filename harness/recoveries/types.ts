import type { Drill } from '../engine/context.js';
import type { Scenario } from '../scenario/schema.js';

/**
 * One recovery procedure, in one module: its scenario spec (zod, exported beside it and registered in
 * index.ts) and this definition. `S` is the parsed spec.
 */
export interface RecoveryDefinition<S> {
  /** The procedure in words, for reports ("point-in-time recovery (base backup + WAL replay)"). */
  title: string;
  /** Cross-field checks at validation time (e.g. pitr needs a base backup with WAL archiving). */
  validate?(spec: S, scenario: Scenario): string[];
  /**
   * Brings service and data back. Marks RTO steps with drill.rto.mark(name) as they finish, calls
   * drill.replacePrimary() when it replaces the primary, sets drill.recoveryPoint when it does not promise
   * every write, and returns what the journal should record about it.
   */
  recover(drill: Drill, spec: S): Promise<Record<string, unknown>>;
  /** Work after verification that is not part of the RTO (e.g. rejoining the old primary with pg_rewind). */
  afterVerify?(drill: Drill, spec: S): Promise<void>;
}

export function defineRecovery<S>(definition: RecoveryDefinition<S>): RecoveryDefinition<S> {
  return definition;
}
