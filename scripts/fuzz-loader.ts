import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { DRDRILL_BIN } from '../harness/testing/run-cli.js';
import {
  fuzzCase,
  HANG_MS,
  isPositioned,
  shippedCorpus,
  summarise,
  summaryLine,
  type FuzzOutcome,
} from '../harness/scenario/fuzz/run-fuzz.js';

/**
 * Fuzzes the scenario loader: `--count` files mutated from the shipped scenarios by a generator seeded with
 * `--seed`, each loaded in process (schema and semantic checks, as `drdrill validate` does) in a worker thread
 * with a watchdog, then `--cli` of them through the real CLI. Every case must end valid or rejected with a
 * positioned message; defects are written to `--out` to replay.
 *
 *   npm run fuzz -- --count 10000 --seed 1
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    cli: { type: 'string', default: '12' },
    out: { type: 'string', default: 'fuzz-results' },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);

const outcomes = await inWorkers(seed, count);
const cliOutcomes = throughCli(seed, outcomes, Number(values.cli));
const summary = summarise(outcomes);
summary.defects.push(...cliOutcomes.filter((o) => o.verdict !== 'valid' && o.verdict !== 'rejected'));
if (summary.defects.length) {
  mkdirSync(values.out, { recursive: true });
  const corpus = shippedCorpus();
  for (const d of summary.defects) {
    const file = join(values.out, `case-${d.index}.yaml`);
    writeFileSync(file, fuzzCase(seed, d.index, corpus).text);
    process.stderr.write(`${d.verdict}: case ${d.index} (from ${d.base}, ${file}): ${d.detail ?? ''}\n`);
  }
}
process.stdout.write(
  `through the CLI: ${cliOutcomes.length} cases, ${cliOutcomes.filter((o) => o.verdict === 'valid' || o.verdict === 'rejected').length} exited 0 or 2 as the loader said\n`,
);
process.stdout.write(`${summaryLine(summary)}\n`);
process.exitCode = summary.defects.length ? 1 : 0;

/** All cases in a worker; a case that does not finish within the watchdog is a hang, and a new worker goes on. */
async function inWorkers(seed: number, count: number): Promise<FuzzOutcome[]> {
  const outcomes: FuzzOutcome[] = [];
  let from = 0;
  const corpus = shippedCorpus();
  while (from < count) {
    let current = from;
    const hung = await new Promise<boolean>((resolve, reject) => {
      const worker = new Worker(new URL('../harness/scenario/fuzz/worker.js', import.meta.url), {
        workerData: { seed, from, to: count },
      });
      let watchdog = setTimeout(() => void worker.terminate().then(() => resolve(true)), HANG_MS * 5);
      worker.on('message', (m: { started?: number; outcome?: FuzzOutcome }) => {
        if (m.started !== undefined) {
          current = m.started;
          clearTimeout(watchdog);
          watchdog = setTimeout(() => void worker.terminate().then(() => resolve(true)), HANG_MS * 5);
        }
        if (m.outcome) outcomes.push(m.outcome);
        if (outcomes.length % 1000 === 0 && m.outcome) process.stderr.write(`fuzz: ${outcomes.length} cases\n`);
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        clearTimeout(watchdog);
        resolve(false);
      });
    });
    if (!hung) break;
    const c = fuzzCase(seed, current, corpus);
    outcomes.push({
      index: current,
      base: c.base,
      verdict: 'hang',
      detail: `no answer within ${HANG_MS * 5} ms`,
      ms: HANG_MS * 5,
    });
    from = current + 1;
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Some valid and some rejected cases through the built CLI: `validate`, and `run` for rejected ones. */
function throughCli(seed: number, outcomes: FuzzOutcome[], n: number): FuzzOutcome[] {
  const chosen = [
    ...outcomes.filter((o) => o.verdict === 'valid').slice(0, Math.ceil(n / 3)),
    ...outcomes.filter((o) => o.verdict === 'rejected').slice(0, n - Math.ceil(n / 3)),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'drdrill-fuzz-'));
  const corpus = shippedCorpus();
  try {
    return chosen.flatMap((o) => {
      const file = join(dir, `case-${o.index}.yaml`);
      writeFileSync(file, fuzzCase(seed, o.index, corpus).text);
      const commands =
        o.verdict === 'rejected'
          ? [
              ['validate', file],
              ['run', file, '--out', join(dir, 'out')],
            ]
          : [['validate', file]];
      return commands.map((args) => cliOutcome(o, args, file, o.verdict === 'valid' ? 0 : 2));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cliOutcome(o: FuzzOutcome, args: string[], file: string, expected: number): FuzzOutcome {
  const started = performance.now();
  const r = spawnSync(process.execPath, [DRDRILL_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  const ms = Math.round(performance.now() - started);
  const base = { index: o.index, base: o.base, ms };
  const stderr = r.stderr.trim();
  if (r.signal) return { ...base, verdict: 'hang', detail: `drdrill ${args[0]} was stopped after ${ms} ms` };
  if (/\n\s+at /.test(stderr)) return { ...base, verdict: 'crash', detail: `stack trace printed:\n${stderr}` };
  if (r.status !== expected)
    return {
      ...base,
      verdict: 'crash',
      detail: `drdrill ${args[0]} exited ${r.status}, the loader said ${o.verdict}: ${stderr}`,
    };
  const unpositioned = expected === 2 ? stderr.split('\n').filter((l) => !isPositioned(l, file)) : [];
  if (unpositioned.length) return { ...base, verdict: 'unpositioned', detail: unpositioned.join('\n') };
  return { ...base, verdict: o.verdict };
}
