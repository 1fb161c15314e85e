import { stringify } from 'yaml';
import type { z } from 'zod';
import { resolveScenarioArgs } from '../cli/scenario-args.js';
import { DrillError } from '../engine/errors.js';
import {
  loadScenarioFile,
  parseScenario,
  ScenarioError,
  type LoadedScenario,
  type ScenarioProblem,
} from '../scenario/load.js';
import type { EnvironmentKind, scenarioSchema } from '../scenario/schema.js';
import { checkSemantics } from '../scenario/semantic-checks.js';
import { callSite } from './call-site.js';
import { budgets } from '../engine/budgets.js';

/**
 * A scenario as a user writes it, in YAML or in TypeScript: the loader's own schema before defaults, so every
 * field, default and scenario kind the loader accepts is typed here too.
 */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/**
 * What the API runs: a file path, a directory of scenario files (runDrills), the name of a shipped scenario
 * ("smoke"), a scenario object, or a scenario already validated by defineDrill() or loadScenario().
 */
export type ScenarioSource = string | ScenarioInput | LoadedScenario;

export type ValidationResult = { ok: true; scenario: LoadedScenario } | { ok: false; problems: ScenarioProblem[] };

/**
 * A scenario written in TypeScript, checked like a YAML file (schema, defaults, cross-field rules). Throws a
 * ScenarioError whose `problems` name the path of each bad field, positioned at the defineDrill() call. The
 * journal records the scenario as YAML, so a report shows exactly what ran.
 */
export function defineDrill(input: ScenarioInput): LoadedScenario {
  const result = validateObject(input, callSite());
  if (!result.ok) throw new ScenarioError(result.problems);
  return result.scenario;
}

/** Reads and validates a scenario file (or a shipped scenario by name). Throws a ScenarioError when invalid. */
export async function loadScenario(file: string): Promise<LoadedScenario> {
  const [path, ...more] = resolveScenarioArgs([file]);
  if (!path || more.length)
    throw new DrillError('invalid-config', `${file}: expected one scenario file, found ${more.length + 1}`);
  const loaded = await loadScenarioFile(path);
  checkSemantics(loaded);
  return loaded;
}

/**
 * Validates without throwing: every problem of the scenario as data, each with its file, line, column, the
 * path of the field and what was expected. A file that cannot be read is one problem at line 1.
 */
export async function validateScenario(scenario: ScenarioSource): Promise<ValidationResult> {
  if (typeof scenario !== 'string') return validateObject(scenario, callSite());
  try {
    return { ok: true, scenario: await loadScenario(scenario) };
  } catch (err) {
    if (err instanceof ScenarioError) return { ok: false, problems: err.problems };
    if (err instanceof DrillError && err.exitCode === 'invalid-config')
      return {
        ok: false,
        problems: [{ file: scenario, line: 1, col: 1, path: '', message: err.message.replace(`${scenario}: `, '') }],
      };
    throw err;
  }
}

/**
 * Every scenario a run names, validated in full before anything starts: problems of all of them are reported
 * together. `env` overrides environment.kind (as --env does) and is checked with the rest.
 */
export async function resolveScenarios(
  sources: ScenarioSource[],
  opts: { env?: EnvironmentKind; tag?: string } = {},
): Promise<LoadedScenario[]> {
  // A malformed DRDRILL_TIMEOUTS is a configuration error, found before anything starts.
  budgets();
  const loaded: LoadedScenario[] = [];
  const problems: ScenarioProblem[] = [];
  for (const source of sources) {
    for (const one of await expand(source)) {
      if ('problems' in one) problems.push(...one.problems);
      else loaded.push(one);
    }
  }
  const selected: LoadedScenario[] = [];
  for (const l of loaded) {
    const copy = structuredClone(l);
    if (opts.env) copy.scenario.environment.kind = opts.env;
    try {
      checkSemantics(copy);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    if (!opts.tag || copy.scenario.metadata.tags.includes(opts.tag)) selected.push(copy);
  }
  if (problems.length) throw new ScenarioError(problems);
  if (!selected.length)
    throw new DrillError('invalid-config', `no scenario matches${opts.tag ? ` tag "${opts.tag}"` : ''}`);
  const names = selected.map((l) => l.scenario.metadata.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup)
    throw new DrillError(
      'invalid-config',
      `two scenarios are named "${dup}"; metadata.name must be unique within a run`,
    );
  return selected;
}

async function expand(source: ScenarioSource): Promise<(LoadedScenario | { problems: ScenarioProblem[] })[]> {
  if (typeof source !== 'string') {
    if (isLoaded(source)) return [source];
    const result = validateObject(source, undefined);
    return [result.ok ? result.scenario : { problems: result.problems }];
  }
  const out: (LoadedScenario | { problems: ScenarioProblem[] })[] = [];
  for (const file of resolveScenarioArgs([source])) {
    try {
      out.push(await loadScenarioFile(file));
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      out.push({ problems: err.problems });
    }
  }
  return out;
}

function isLoaded(source: ScenarioInput | LoadedScenario): source is LoadedScenario {
  return 'sha256' in source && 'scenario' in source && 'source' in source;
}

/**
 * An object goes through the YAML loader as YAML, so it gets exactly the same schema, defaults and messages.
 * Positions in that generated text mean nothing to the author: problems point at the defineDrill() call.
 */
function validateObject(input: ScenarioInput | LoadedScenario, site: ReturnType<typeof callSite>): ValidationResult {
  if (isLoaded(input)) return { ok: true, scenario: input };
  const name = typeof input.metadata?.name === 'string' ? input.metadata.name : 'scenario';
  const file = site ? `${site.file}:${site.line}` : `scenario object "${name}"`;
  const source = `# written in TypeScript: ${file}\n${stringify(input)}`;
  const at = (p: ScenarioProblem): ScenarioProblem => ({
    ...p,
    file: site?.file ?? file,
    line: site?.line ?? 1,
    col: site?.col ?? 1,
  });
  try {
    const loaded = parseScenario(source, file);
    checkSemantics(loaded);
    return { ok: true, scenario: loaded };
  } catch (err) {
    if (err instanceof ScenarioError) return { ok: false, problems: err.problems.map(at) };
    throw err;
  }
}
