import { SHOP_TABLES } from '../../fixtures/datasets/shop/generate.js';
import { backupDefinition } from '../backups/index.js';
import { faultDefinition } from '../faults/index.js';
import { recoveryDefinition } from '../recoveries/index.js';
import { uncoverableDamage } from '../verification/coverage.js';
import { datasetKind } from '../datasets/user-dataset.js';
import { restoreTestProblems } from '../restore-tests/validate.js';
import type { LoadedScenario } from './load.js';
import type { Scenario } from './schema.js';
import { formatPath, locatePath, ScenarioError, type ScenarioProblem } from './load.js';

/**
 * Checks across fields that the schema alone cannot express (a recovery that needs a backup the scenario
 * does not take, damage no verify step would ever check). Runs before any work; problems point at the
 * scenario file.
 */
export function checkSemantics(loaded: LoadedScenario): void {
  const { scenario } = loaded;
  const problems: ScenarioProblem[] = [];
  const add = (path: (string | number)[], message: string) =>
    problems.push({
      file: loaded.file,
      ...locatePath(loaded.source, path),
      path: formatPath(path.map(String)),
      message,
    });

  if (scenario.kind === 'RestoreTest') restoreTestProblems(scenario, add);
  else drillProblems(scenario, add);
  if (problems.length) throw new ScenarioError(problems);
}

type Add = (path: (string | number)[], message: string) => void;

function drillProblems(scenario: Scenario, add: Add): void {
  scenario.backup.forEach((b, i) => {
    for (const p of backupDefinition(b.method).validate?.(b, scenario) ?? []) add(['backup', i], p);
  });
  if (scenario.fault) {
    const fault = faultDefinition(scenario.fault.type);
    for (const p of fault.validate?.(scenario.fault, scenario) ?? []) add(['fault'], p);
    const tables = datasetKind(scenario.dataset) === 'shop' ? SHOP_TABLES : [];
    for (const p of uncoverableDamage(fault.damage(scenario.fault), scenario.verify, tables)) add(['verify'], p);
  }
  for (const p of recoveryDefinition(scenario.recovery.procedure).validate?.(scenario.recovery, scenario) ?? [])
    add(['recovery'], p);
}
