import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DrillError } from '../engine/errors.js';
import { packageRoot } from '../util/paths.js';

export function shippedScenarioDir(): string {
  return join(packageRoot(), 'scenarios');
}

/** Files, directories (every *.yaml inside) or names of shipped scenarios ("smoke"). */
export function resolveScenarioArgs(args: string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    if (existsSync(arg) && statSync(arg).isDirectory()) {
      files.push(
        ...readdirSync(arg)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(arg, f)),
      );
    } else if (existsSync(arg)) {
      files.push(arg);
    } else {
      const shipped = join(shippedScenarioDir(), `${arg.replace(/\.ya?ml$/, '')}.yaml`);
      if (!/[/\\]/.test(arg) && existsSync(shipped)) files.push(shipped);
      else
        throw new DrillError(
          'invalid-config',
          `${arg}: no such scenario file or shipped scenario (see "drdrill list")`,
        );
    }
  }
  return files;
}
