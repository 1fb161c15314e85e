import type { StartedEnvironment } from '../environments/types.js';
import type { FaultRecord } from '../faults/types.js';
import type { AnyScenario } from '../scenario/kinds.js';
import type { ScenarioSetup } from './context.js';
import type { Baseline, EnvironmentRecord, PhaseName } from './journal.js';

/**
 * How one kind of scenario runs: its provisioning and phases, and what the shared engine (timing, LIFO
 * teardowns, deadline, Ctrl-C, verdict, journal) needs to know about it. `C` is its provisioned context.
 */
export interface ScenarioPlan<S extends AnyScenario, C> {
  /** Every phase the kind runs after provisioning, in order; phases not reached are journaled as skipped. */
  phases: { name: PhaseName; run(ctx: C): Promise<void> }[];
  provision(setup: ScenarioSetup<S>, keep: boolean, onEnvironment: (env: StartedEnvironment) => void): Promise<C>;
  environmentRecord(ctx: C): EnvironmentRecord | undefined;
  /** What was damaged and the baseline, for the rule that damaged data must be verified. */
  damage(ctx: C): { fault?: FaultRecord; baseline?: Baseline };
  /** Logs kept as artifacts when the run does not pass, before teardown removes them. */
  collectFailureEvidence(ctx: C): Promise<void>;
}
