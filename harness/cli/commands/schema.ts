import { writeFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { scenarioJsonSchema } from '../../scenario/json-schema.js';

interface Args {
  write?: string;
}

const command: CommandModule<object, Args> = {
  command: 'schema',
  describe: 'Print the JSON Schema of scenario files (for editor completion)',
  builder: (y) => y.option('write', { type: 'string', describe: 'write it to this file instead of stdout' }),
  handler: async (argv) => {
    const text = JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
    if (argv.write) await writeFile(argv.write, text);
    else process.stdout.write(text);
  },
};
export default command;
