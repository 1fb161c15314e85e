import { writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { journalJsonSchema } from '../../engine/journal.js';
import { scenarioJsonSchema } from '../../scenario/json-schema.js';

export default defineCommand({
  command: 'schema',
  describe: 'Print the JSON Schema of scenario files (for editor completion), or of journals with --journal',
  builder: (y: Argv) =>
    y
      .option('write', { type: 'string', describe: 'write it to this file instead of stdout' })
      .option('journal', { type: 'boolean', describe: 'the schema of journal.json instead of scenarios' }),
  handler: async (argv) => {
    const text = JSON.stringify(argv.journal ? journalJsonSchema() : scenarioJsonSchema(), null, 2) + '\n';
    if (argv.write) await writeFile(argv.write, text);
    else process.stdout.write(text);
  },
});
