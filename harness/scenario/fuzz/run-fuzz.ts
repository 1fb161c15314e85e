import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/paths.js';
import { parseScenario, ScenarioError } from '../load.js';
import { checkSemantics } from '../semantic-checks.js';
import { seededRandom } from '../../util/seeded-random.js';
import { mutateScenario } from './mutate.js';

export interface FuzzCase {
  index: number;
  /** The shipped scenario it was mutated from. */
  base: string;
  text: string;
}

export type FuzzVerdict = 'valid' | 'rejected' | 'unpositioned' | 'crash' | 'hang';

export interface FuzzOutcome {
  index: number;
  base: string;
  verdict: FuzzVerdict;
  /** The messages (rejected), or what went wrong. */
  detail?: string;
  ms: number;
}

/** A case that takes longer than this in the loader counts as a hang. */
export const HANG_MS = 2000;

/** The shipped scenarios, the corpus every case is mutated from. */
export function shippedCorpus(): { name: string; text: string }[] {
  const root = join(packageRoot(), 'scenarios');
  return ['', 'kubernetes']
    .flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(dir, f)),
    )
    .sort()
    .map((name) => ({ name, text: readFileSync(join(root, name), 'utf8') }));
}

/** Case `index` of the run with `seed`: each case has its own generator, so any one can be replayed alone. */
export function fuzzCase(seed: number, index: number, corpus = shippedCorpus()): FuzzCase {
  const rnd = seededRandom(seed * 1_000_003 + index);
  const base = corpus[Math.floor(rnd() * corpus.length)]!;
  return { index, base: base.name, text: mutateScenario(base.text, rnd) };
}

/**
 * What the loader does with one file, in process (the same code `drdrill validate` runs): accepted, or
 * rejected with every message positioned as `file:line:col: ...`. Anything else is a defect.
 */
export function loadOutcome(c: FuzzCase, file = `fuzz/case-${c.index}.yaml`): FuzzOutcome {
  const started = performance.now();
  const done = (verdict: FuzzVerdict, detail?: string): FuzzOutcome => {
    const ms = Math.round(performance.now() - started);
    return {
      index: c.index,
      base: c.base,
      verdict: ms > HANG_MS && verdict !== 'crash' ? 'hang' : verdict,
      ...(detail ? { detail } : {}),
      ms,
    };
  };
  try {
    checkSemantics(parseScenario(c.text, file));
    return done('valid');
  } catch (err) {
    if (!(err instanceof ScenarioError))
      return done('crash', err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err));
    const lines = err.message.split('\n');
    const unpositioned = lines.filter((l) => !isPositioned(l, file));
    return unpositioned.length ? done('unpositioned', unpositioned.join('\n')) : done('rejected', err.message);
  }
}

/** `file:line:col: message`, with line and column counted from 1. */
export function isPositioned(line: string, file: string): boolean {
  if (!line.startsWith(`${file}:`)) return false;
  const m = /^(\d+):(\d+): \S/.exec(line.slice(file.length + 1));
  return !!m && Number(m[1]) >= 1 && Number(m[2]) >= 1;
}

export interface FuzzSummary {
  cases: number;
  valid: number;
  rejected: number;
  /** Every case that crashed, hung or was rejected without a position. */
  defects: FuzzOutcome[];
}

export function summarise(outcomes: FuzzOutcome[]): FuzzSummary {
  return {
    cases: outcomes.length,
    valid: outcomes.filter((o) => o.verdict === 'valid').length,
    rejected: outcomes.filter((o) => o.verdict === 'rejected').length,
    defects: outcomes.filter((o) => !['valid', 'rejected'].includes(o.verdict)),
  };
}

/** `10000 cases: N valid, M rejected with position, 0 crashes` (defects named by kind when there are any). */
export function summaryLine(s: FuzzSummary): string {
  const kinds = (['crash', 'hang', 'unpositioned'] as const)
    .map((k) => [k, s.defects.filter((d) => d.verdict === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k === 'unpositioned' ? 'rejected without position' : k === 'hang' ? 'hung' : 'crashed'}`);
  return `${s.cases} cases: ${s.valid} valid, ${s.rejected} rejected with position, ${s.defects.length} crashes${kinds.length ? ` (${kinds.join(', ')})` : ''}`;
}
