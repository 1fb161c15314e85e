import { backupDefinition } from '../backups/index.js';
import { faultDefinition } from '../faults/index.js';
import { recoveryDefinition } from '../recoveries/index.js';
import type { LoadedScenario } from './load.js';
import { ScenarioError, type ScenarioProblem } from './load.js';
import type { BackupSpec } from './schema.js';

/**
 * Checks across fields that the schema alone cannot express (a fault this build lacks, a recovery that
 * needs a backup the scenario does not take). Runs before any work; problems point at the scenario file.
 */
export function checkSemantics(loaded: LoadedScenario): void {
  const { scenario } = loaded;
  const problems: ScenarioProblem[] = [];
  const add = (path: string, message: string) =>
    problems.push({ file: loaded.file, ...locate(loaded.source, path), path, message });

  scenario.backup.forEach((b: BackupSpec, i) => {
    const def = backupDefinition(b.method);
    if (!def) add(`backup[${i}].method`, `"${b.method}" is not implemented in this build`);
    else for (const p of def.validate?.(b, scenario) ?? []) add(`backup[${i}]`, p);
  });
  if (scenario.fault) {
    const def = faultDefinition(scenario.fault.type);
    if (!def) add('fault.type', `"${scenario.fault.type}" is not implemented in this build`);
    else for (const p of def.validate?.(scenario.fault, scenario) ?? []) add('fault', p);
  }
  const rec = recoveryDefinition(scenario.recovery.procedure);
  if (!rec) add('recovery.procedure', `"${scenario.recovery.procedure}" is not implemented in this build`);
  else for (const p of rec.validate?.(scenario.recovery, scenario) ?? []) add('recovery', p);
  if (problems.length) throw new ScenarioError(problems);
}

/** Best-effort position of a top-level key for messages about a whole section. */
function locate(source: string, path: string): { line: number; col: number } {
  const top = path.split(/[.[]/)[0]!;
  const lines = source.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${top}:`));
  return i >= 0 ? { line: i + 1, col: 1 } : { line: 1, col: 1 };
}
