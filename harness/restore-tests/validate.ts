import { assertionTables } from '../verification/user-check-specs.js';
import { formatDefinition } from './formats/index.js';
import type { RestoreTestSpec } from './schema.js';

/** Cross-field checks of a restore test, before anything starts. */
export function restoreTestProblems(
  scenario: RestoreTestSpec,
  add: (path: (string | number)[], message: string) => void,
): void {
  const spec = scenario.source.format;
  const format = formatDefinition(spec.type);
  for (const p of format.validate?.(spec, scenario) ?? []) add(['source', 'format'], p);
  if (!format.pitr && scenario.target.type !== 'end-of-archive')
    add(['target'], `applies to formats that replay WAL; a ${spec.type} backup restores as it was taken`);
  scenario.verify.forEach((step, i) => {
    if ('sql' in step && !assertionTables(step).length)
      add(['verify', i], 'names no table it reads: add tables: [...] (they are what the check covers)');
  });
}
