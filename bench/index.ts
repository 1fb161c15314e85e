import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backupRestoreBench } from './backup-restore.js';
import { environmentsBench } from './environments.js';
import { foundationBench, writeResults } from './foundation.js';

/** `npm run bench`: every benchmark, results in bench-results/results.json. Targets live here, not in tests. */
const results: Record<string, unknown> = {};
// `npm run bench -- environments` runs only the named parts.
const only = process.argv.slice(2);
const parts: [string, () => Promise<Record<string, unknown>>][] = [
  ['foundation', foundationBench],
  ['backupRestore', backupRestoreBench],
  ['environments', environmentsBench],
  ['restoreTests', async () => (await import('./restore-tests.js')).restoreTestsBench()],
];
for (const [name, run] of parts.filter(([name]) => !only.length || only.includes(name))) {
  process.stderr.write(`bench: ${name}…\n`);
  results[name] = await run();
}
await mkdir('bench-results', { recursive: true });
const file = join('bench-results', 'results.json');
// A partial run keeps the other parts' last results.
const previous = only.length
  ? await readFile(file, 'utf8').then(
      (t) => JSON.parse(t) as Record<string, unknown>,
      () => ({}),
    )
  : {};
await writeResults(file, { ...previous, ...results });
process.stdout.write(`${JSON.stringify(results, null, 2)}\nwritten to ${file}\n`);
