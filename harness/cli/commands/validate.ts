import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { EXIT_CODES } from '../../engine/exit-codes.js';
import { validateScenario } from '../../api/scenarios.js';
import { formatProblem } from '../../scenario/load.js';
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
      const result = await validateScenario(file);
      if (result.ok) process.stdout.write(`ok ${file}\n`);
      else {
        bad++;
        process.stderr.write(result.problems.map(formatProblem).join('\n') + '\n');
      }
    }
    process.exitCode = bad ? EXIT_CODES['invalid-config'] : EXIT_CODES.passed;
  },
});
