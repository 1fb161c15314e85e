import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { isAlias, isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import {
  kindSchema,
  scenarioDocumentSchema,
  type AnyScenario,
  type ScenarioKind,
  type ScenarioOfKind,
} from './kinds.js';
import { parseObjectives, type Objective } from './objectives.js';
import { detectionObjective } from '../detection/spec.js';
import { DrillError } from '../engine/errors.js';

export interface LoadedScenario<S extends AnyScenario = AnyScenario> {
  file: string;
  source: string;
  sha256: string;
  scenario: S;
  objectives: Objective[];
}

/** Narrows a loaded scenario to one kind (`isKind(loaded, 'Drill')`). */
export function isKind<K extends ScenarioKind>(
  loaded: LoadedScenario,
  kind: K,
): loaded is LoadedScenario<ScenarioOfKind<K>> {
  return loaded.scenario.kind === kind;
}

export interface ScenarioProblem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  return p.path ? `${where}: ${p.path} ${p.message}` : `${where}: ${p.message}`;
}

export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    throw new DrillError(
      'invalid-config',
      `${file}: cannot read scenario (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  return parseScenario(source, displayPath(file));
}

export function parseScenario(source: string, file: string): LoadedScenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ScenarioProblem[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return { file, line: pos.line, col: pos.col, path: '', message: e.message.split('\n')[0] ?? e.message };
  });
  if (problems.length === 0) problems.push(...complexKeys(doc, lineCounter, file));
  const data = problems.length === 0 ? toData(doc, lineCounter, file, problems) : undefined;
  if (problems.length === 0) {
    const result = scenarioDocumentSchema.safeParse(data ?? {});
    const schema = kindSchema((data as { kind?: unknown } | null)?.kind);
    if (!result.success)
      problems.push(...result.error.issues.map((issue) => toProblem(issue, doc, lineCounter, file, schema)));
    else {
      return {
        file,
        source,
        sha256: createHash('sha256').update(source).digest('hex'),
        scenario: result.data,
        objectives:
          result.data.kind === 'Drill'
            ? detectionObjective(result.data, parseObjectives(result.data.objectives))
            : parseObjectives(result.data.objectives),
      };
    }
  }
  throw new ScenarioError(problems);
}

/** The loaded scenario if it is of this kind; otherwise a configuration error naming both kinds. */
export function ofKind<K extends ScenarioKind>(loaded: LoadedScenario, kind: K): LoadedScenario<ScenarioOfKind<K>> {
  if (loaded.scenario.kind !== kind)
    throw new DrillError('invalid-config', `${loaded.file}: kind ${loaded.scenario.kind} where a ${kind} was expected`);
  return loaded as LoadedScenario<ScenarioOfKind<K>>;
}

/** A mapping, a list or a binary used as a key (`? [a, b]: x`, `[a]: x`): a scenario's keys are names. */
function complexKeys(doc: Document, lc: LineCounter, file: string): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      const resolved = isAlias(key) ? key.resolve(doc) : key;
      // A scalar tagged !!binary (or !!timestamp) reads as an object too: not a name either.
      const notName = !isScalar(resolved) || (typeof resolved.value === 'object' && resolved.value !== null);
      if (key && resolved && notName) {
        const pos = lc.linePos(key.range?.[0] ?? 0);
        out.push({ file, ...pos, path: '', message: 'a key must be a name, not a mapping, a list or a binary' });
      }
    },
  });
  return out;
}

/** Aliases a scenario may expand; far more than any real one uses, far fewer than a billion-laughs file. */
const MAX_ALIAS_COUNT = 100;

/** The document's data; an alias bomb (or any other expansion failure) becomes a positioned problem. */
function toData(doc: Document, lc: LineCounter, file: string, problems: ScenarioProblem[]): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    let alias: Node | undefined;
    visit(doc, {
      Alias(_key, node) {
        alias = node;
        return visit.BREAK;
      },
    });
    const pos = lc.linePos(alias?.range?.[0] ?? 0);
    const message = /alias count/i.test((err as Error).message)
      ? `too many alias expansions (*name), more than ${MAX_ALIAS_COUNT} in one document: refused as a resource exhaustion attack ("billion laughs"); write the values out`
      : `cannot be read: ${(err as Error).message}`;
    problems.push({ file, line: pos.line, col: pos.col, path: '', message });
    return undefined;
  }
}

export class ScenarioError extends DrillError {
  constructor(readonly problems: ScenarioProblem[]) {
    super('invalid-config', problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** Line and column of the value at a path of a scenario's source (or of its closest existing parent). */
export function locatePath(source: string, path: (string | number)[]): { line: number; col: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const node = nodeAt(doc, path.map(String));
  return lineCounter.linePos(node?.range?.[0] ?? 0);
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

function toProblem(
  issue: z.core.$ZodIssue,
  doc: Document,
  lc: LineCounter,
  file: string,
  schema: z.ZodType | undefined,
): ScenarioProblem {
  let path = issue.path.map(String);
  let message = describeIssue(issue);
  let node = nodeAt(doc, path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const pair = findPair(node, key);
    if (pair) node = pair;
    path = [...path, key];
    message = `is not a known key${
      issue.keys.length > 1
        ? ` (nor ${issue.keys
            .slice(1)
            .map((k) => `"${k}"`)
            .join(', ')})`
        : ''
    }; expected one of ${knownKeys(schema, issue.path.map(String))}`;
  }
  const offset = node?.range?.[0] ?? 0;
  const pos = lc.linePos(offset);
  return { file, line: pos.line, col: pos.col, path: formatPath(path), message };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.includes('received undefined')
        ? `is required (${issue.expected})`
        : `must be ${article(issue.expected)}, got ${issue.message.replace(/^.*received /, '')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      // A custom message (set on the union) says it best; otherwise list what each form expected.
      const { note, options } = issue as { note?: string; options?: unknown[] };
      if (note === 'No matching discriminator')
        return `must be one of ${(options ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
      if (!issue.message.startsWith('Invalid input')) return issue.message;
      return `does not match any allowed form: ${issue.errors.map((branch) => branch.map((e) => `${formatPath(e.path.map(String)) || '(value)'} ${e.message}`).join('; ')).join(' | ')}`;
    }
    case 'too_small':
      return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : ''}`;
    case 'invalid_format':
      return `must be ${issue.message.replace(/^Invalid string: must match pattern .*$/, 'in the expected format')}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function knownKeys(root: z.ZodType | undefined, path: string[]): string {
  const shape = root ? shapeAt(root, path) : undefined;
  return shape ? shape.map((k) => `"${k}"`).join(', ') : '(see schema)';
}

/** Walk the zod schema along a data path to list the keys an object accepts. */
function shapeAt(root: z.ZodType, path: string[]): string[] | undefined {
  let schema: unknown = root;
  for (const segment of path) {
    schema = unwrap(schema);
    const def = (schema as { def?: Record<string, unknown> }).def;
    if (!def) return undefined;
    if (def.type === 'object') schema = (def.shape as Record<string, unknown>)[segment];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
  }
  schema = unwrap(schema);
  const def = (schema as { def?: Record<string, unknown> }).def;
  return def?.type === 'object' ? Object.keys(def.shape as object) : undefined;
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: Record<string, unknown> } | undefined;
  while (s?.def && ['default', 'optional', 'nullable', 'pipe'].includes(s.def.type as string)) {
    s = (s.def.innerType ?? s.def.in) as { def?: Record<string, unknown> };
  }
  return s;
}

function nodeAt(doc: Document, path: string[]): Node | undefined {
  for (let i = path.length; i >= 0; i--) {
    const node = doc.getIn(
      path.slice(0, i).map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      true,
    ) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node) {
      if (i === path.length) return node;
      // The value is missing: point at the key of the closest parent that exists.
      const pair = findPair(node, path[i] ?? '');
      return pair ?? node;
    }
  }
  return undefined;
}

function findPair(node: Node | undefined, key: string): Node | undefined {
  if (!node || !isMap(node)) return undefined;
  for (const item of node.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
  }
  return undefined;
}

export function formatPath(path: string[]): string {
  return path
    .map((p, i) => {
      if (/^\d+$/.test(p)) return `[${p}]`;
      // A key that is not a plain name ("", "a b", "x.y") is shown quoted, so the path stays readable.
      if (!/^[A-Za-z_$][\w$-]*$/.test(p)) return i === 0 ? JSON.stringify(p) : `[${JSON.stringify(p)}]`;
      return i === 0 ? p : `.${p}`;
    })
    .join('');
}
