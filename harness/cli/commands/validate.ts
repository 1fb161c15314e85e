import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { EXIT_CODES } from '../../engine/exit-codes.js';
import { loadScenarioFile, ScenarioError } from '../../scenario/load.js';
import { checkSemantics } from '../../scenario/semantic-checks.js';
import { resolveScenarioArgs } from '../scenario-args.js';

export default defineCommand({
  command: 'validate <files..>',
  describe: 'Check scenario files without running anything',
  builder: (y: Argv) =>
    y.positional('files', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'scenario files, directories or shipped names',
    }),
  handler: async (argv) => {
    let bad = 0;
    for (const file of resolveScenarioArgs(argv.files)) {
      try {
        checkSemantics(await loadScenarioFile(file));
        process.stdout.write(`ok ${file}\n`);
      } catch (err) {
        if (!(err instanceof ScenarioError)) throw err;
        bad++;
        process.stderr.write(err.message + '\n');
      }
    }
    process.exitCode = bad ? EXIT_CODES['invalid-config'] : EXIT_CODES.passed;
  },
});
