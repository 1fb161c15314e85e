import '../harness/util/quiet-sdk-warning.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { environmentsBench } from './environments.js';
import { foundationBench } from './foundation.js';
import { overheadBench } from './overhead.js';
import { benchReadme, scaleChart } from './readme.js';
import { scaleBench } from './scale.js';
import { suiteBench } from './suite.js';
import type { BenchResults } from './results.js';
import { throughputBench } from './throughput.js';

/**
 * `npm run bench [-- part...]`: every benchmark, or the parts named. Results in bench-results/results.json
 * (a partial run keeps the other parts' last results), a table in bench-results/README.md and the scale chart
 * in bench-results/scale.svg. Performance targets live here, never in tests.
 */
const DIR = 'bench-results';
const FILE = join(DIR, 'results.json');

// Gigabytes of data take longer than the drills' default budgets (e.g. archiving 1 GB of WAL written by the
// DELETE); an explicit DRDRILL_TIMEOUTS wins.
process.env.DRDRILL_TIMEOUTS ??= JSON.stringify({
  startup: 1800,
  archiveWait: 3600,
  replay: 14400,
  promote: 1800,
  service: 1800,
  statement: 14400,
});

const parts: [keyof BenchResults, () => Promise<object>][] = [
  ['foundation', foundationBench],
  ['environments', environmentsBench],
  ['overhead', overheadBench],
  ['throughput', throughputBench],
  ['scale', () => scaleBench(FILE)],
  ['suite', suiteBench],
  ['restoreTests', async () => (await import('./restore-tests.js')).restoreTestsBench()],
];
const only = process.argv.slice(2);
const unknown = only.filter((o) => !parts.some(([name]) => name === o));
if (unknown.length) {
  process.stderr.write(`bench: unknown part ${unknown.join(', ')}; parts: ${parts.map(([n]) => n).join(', ')}\n`);
  process.exit(2);
}

await mkdir(DIR, { recursive: true });
const results: Record<string, object> = {};
let failed = false;
for (const [name, run] of parts.filter(([name]) => !only.length || only.includes(name))) {
  process.stderr.write(`bench: ${name}…\n`);
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0];
  const t0 = performance.now();
  let result: object;
  try {
    result = await run();
  } catch (err) {
    failed = true;
    result = { error: (err as Error).message };
    process.stderr.write(`bench: ${name} failed: ${(err as Error).message}\n`);
  }
  const conditions = {
    startedAt,
    cpus: cpus().length,
    loadStart,
    loadEnd: loadavg()[0],
    seconds: Math.round((performance.now() - t0) / 1000),
  };
  results[name] = { ...result, conditions };
  // Written after every part: a long run that fails late keeps what it measured.
  await save(results);
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\nwritten to ${FILE}, ${join(DIR, 'README.md')}\n`);
if (failed) process.exitCode = 1;

function readResults(): Promise<BenchResults> {
  return readFile(FILE, 'utf8').then(
    (t) => JSON.parse(t) as BenchResults,
    () => ({}),
  );
}

/** Merged into the file as it is now: another bench run may have written other parts meanwhile. */
async function save(mine: Record<string, object>): Promise<void> {
  const doc: BenchResults = {
    ...(await readResults()),
    ...mine,
    measuredAt: new Date().toISOString(),
    node: process.version,
  };
  await writeFile(FILE, JSON.stringify(doc, null, 2) + '\n');
  await writeFile(join(DIR, 'README.md'), benchReadme(doc));
  await writeFile(join(DIR, 'scale.svg'), scaleChart(doc.scale) + '\n');
}
