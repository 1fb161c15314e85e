import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { shippedScenarioDir } from '../scenario-args.js';

export default defineCommand({
  command: 'list',
  describe: 'List the shipped scenarios and their tags',
  builder: (y: Argv) =>
    y
      .option('tag', { type: 'string', describe: 'only scenarios with this tag' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' }),
  handler: async (argv) => {
    const dir = shippedScenarioDir();
    const rows = [];
    // Subdirectories group scenarios (migrations/, kubernetes/); negative drills fail on purpose.
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      const { scenario } = await loadScenarioFile(join(dir, f));
      if (argv.tag && !scenario.metadata.tags.includes(argv.tag)) continue;
      rows.push({
        name: scenario.metadata.name,
        file: `scenarios/${f}`,
        tags: scenario.metadata.tags,
        description: scenario.metadata.description,
      });
    }
    if (argv.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  [${r.tags.join(', ')}]  ${r.description}\n`);
  },
});
