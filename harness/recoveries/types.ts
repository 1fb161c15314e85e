import type { DrillContext } from '../engine/context.js';
import type { RecoveryProcedure, RecoverySpec, Scenario } from '../scenario/schema.js';

export interface RecoveryDefinition {
  procedure: RecoveryProcedure;
  /** Cross-field checks at validation time (e.g. pitr needs a basebackup with WAL archiving). */
  validate?(spec: RecoverySpec, scenario: Scenario): string[];
  /**
   * Brings service back. Marks RTO segments with ctx.rto.mark(name) as steps finish, points the ledger at a
   * new primary (ctx.ledger.retarget) when it replaces one, and sets ctx.primary.
   */
  recover(ctx: DrillContext, spec: RecoverySpec): Promise<void>;
  /** Work after verification that is not part of the RTO (e.g. rejoining the old primary with pg_rewind). */
  afterVerify?(ctx: DrillContext, spec: RecoverySpec): Promise<void>;
}
