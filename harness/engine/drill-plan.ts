import type { LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import type { Drill } from './context.js';
import { collectFailureEvidence } from './failure-evidence.js';
import { drillPhases } from './phases.js';
import type { ScenarioPlan } from './plan.js';
import { provision } from './provision.js';

/** `kind: Drill`: provision, seed, baseline, backup, workload, [inject, detect, recover,] verify. */
export function drillPlan(loaded: LoadedScenario<Scenario>): ScenarioPlan<Scenario, Drill> {
  return {
    phases: drillPhases(!!loaded.scenario.fault),
    provision,
    environmentRecord: (drill) => drill.environmentRecord,
    damage: (drill) => ({ fault: drill.fault, baseline: drill.baseline }),
    collectFailureEvidence,
  };
}
