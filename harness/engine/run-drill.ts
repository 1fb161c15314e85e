import type { AnyScenario, ScenarioKind, ScenarioOfKind } from '../scenario/kinds.js';
import type { LoadedScenario } from '../scenario/load.js';
import { migrationPlan } from '../migrations/plan.js';
import { restoreTestPlan } from '../restore-tests/plan.js';
import { drillPlan } from './drill-plan.js';
import type { Journal } from './journal.js';
import type { ScenarioPlan } from './plan.js';
import { runScenario, type RunScenarioOptions } from './run-scenario.js';

export type RunDrillOptions = RunScenarioOptions;

/** The plan of each scenario kind; total over ScenarioKind. */
const plans: {
  [K in ScenarioKind]: (loaded: LoadedScenario<ScenarioOfKind<K>>) => ScenarioPlan<ScenarioOfKind<K>, unknown>;
} = {
  Drill: drillPlan,
  Migration: migrationPlan,
  RestoreTest: restoreTestPlan,
};

/** Runs one loaded scenario, of any kind, and returns its journal; never throws for a failed run. */
export function runDrill(loaded: LoadedScenario, opts: RunDrillOptions): Promise<Journal> {
  return runWithPlan(loaded, opts);
}

function runWithPlan<K extends ScenarioKind>(
  loaded: LoadedScenario<ScenarioOfKind<K>>,
  opts: RunDrillOptions,
): Promise<Journal> {
  const kind: K = loaded.scenario.kind;
  return runScenario<AnyScenario & ScenarioOfKind<K>, unknown>(loaded, plans[kind](loaded), opts);
}
