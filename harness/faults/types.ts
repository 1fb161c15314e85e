import type { DrillContext, FaultRecord } from '../engine/context.js';
import type { FaultSpec, FaultType, Scenario } from '../scenario/schema.js';

export interface FaultDefinition<T extends FaultType = FaultType> {
  type: T;
  /** Cross-field checks run at validation time, before any work. Returns problems as "path message". */
  validate?(spec: Extract<FaultSpec, { type: T }>, scenario: Scenario): string[];
  /** Instance settings the fault needs from the start (e.g. a size-limited volume). */
  provisionHints?(spec: Extract<FaultSpec, { type: T }>): { volume?: { sizeMB: number; walSizeMB?: number } };
  /** Injects the real failure and records when and what it hit. */
  inject(ctx: DrillContext, spec: Extract<FaultSpec, { type: T }>): Promise<FaultRecord>;
  /** Observes the failure the way an operator would, recording the evidence as checks. */
  detect(ctx: DrillContext, spec: Extract<FaultSpec, { type: T }>): Promise<void>;
}
