import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backupRestoreBench } from './backup-restore.js';
import { foundationBench, writeResults } from './foundation.js';

/** `npm run bench`: every benchmark, results in bench-results/results.json. Targets live here, not in tests. */
const results: Record<string, unknown> = {};
const parts: [string, () => Promise<Record<string, unknown>>][] = [
  ['foundation', foundationBench],
  ['backupRestore', backupRestoreBench],
];
for (const [name, run] of parts) {
  process.stderr.write(`bench: ${name}…\n`);
  results[name] = await run();
}
await mkdir('bench-results', { recursive: true });
const file = join('bench-results', 'results.json');
await writeResults(file, results);
process.stdout.write(`${JSON.stringify(results, null, 2)}\nwritten to ${file}\n`);
