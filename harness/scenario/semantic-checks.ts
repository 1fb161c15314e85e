import { SHOP_TABLES } from '../../fixtures/datasets/shop/generate.js';
import { backupDefinition } from '../backups/index.js';
import { detectionProblems } from '../detection/validate.js';
import { faultDefinition } from '../faults/index.js';
import { migrationProcedure } from '../migrations/procedures/index.js';
import type { MigrationScenario } from '../migrations/schema.js';
import { recoveryDefinition } from '../recoveries/index.js';
import { settingProblem } from '../environments/server-settings.js';
import { uncoverableDamage } from '../verification/coverage.js';
import { datasetKind } from '../datasets/user-dataset.js';
import { restoreTestProblems } from '../restore-tests/validate.js';
import type { LoadedScenario } from './load.js';
import { formatPath, locatePath, ofKind, ScenarioError, type ScenarioProblem } from './load.js';
import type { Scenario } from './schema.js';

type AddProblem = (path: (string | number)[], message: string) => void;

/**
 * Checks across fields that the schema alone cannot express (a recovery that needs a backup the scenario
 * does not take, damage no verify step would ever check). Runs before any work; problems point at the
 * scenario file.
 */
export function checkSemantics(loaded: LoadedScenario): void {
  const { scenario } = loaded;
  const problems: ScenarioProblem[] = [];
  const add: AddProblem = (path, message) =>
    problems.push({
      file: loaded.file,
      ...locatePath(loaded.source, path),
      path: formatPath(path.map(String)),
      message,
    });
  if (scenario.kind === 'Drill') checkDrill(ofKind(loaded, 'Drill'), add);
  else if (scenario.kind === 'RestoreTest') restoreTestProblems(scenario, add);
  else checkMigration(scenario, add);
  if (problems.length) throw new ScenarioError(problems);
}

function checkDrill(loaded: LoadedScenario<Scenario>, add: AddProblem): void {
  const { scenario } = loaded;
  for (const [name, value] of Object.entries(scenario.environment.postgres.settings)) {
    const problem = settingProblem(name, value);
    if (problem) add(['environment', 'postgres', 'settings', name], problem);
  }
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
  scenario.verify.forEach((step, i) => {
    if ('archive' in step && !scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal))
      add(['verify', i], 'restores from the WAL archive: needs backup: [{ method: basebackup, archiveWal: true }]');
  });
  for (const p of detectionProblems(loaded)) add(p.path, p.message);
}

function checkMigration(scenario: MigrationScenario, add: AddProblem): void {
  for (const p of migrationProcedure(scenario.migration.procedure).validate?.(scenario.migration, scenario) ?? [])
    add(['migration'], p);
  const skip =
    scenario.migration.procedure === 'copy-then-verify' ? scenario.migration.faultInjection?.skipTable : undefined;
  if (skip && scenario.dataset.fixture === 'shop' && !(SHOP_TABLES as string[]).includes(skip))
    add(
      ['migration', 'faultInjection', 'skipTable'],
      `"${skip}" is not a table of the shop dataset; expected one of ${SHOP_TABLES.join(', ')}`,
    );
  const checks = Object.values(scenario.verify).filter(Boolean).length;
  if (checks === 0) add(['verify'], 'turns every comparison off: a migration that verifies nothing never passes');
}
