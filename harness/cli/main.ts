import '../util/quiet-sdk-warning.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DrillError, errorMessage } from '../engine/errors.js';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { DRDRILL_VERSION } from '../engine/version.js';
import { ScenarioError } from '../scenario/load.js';
import { commands } from './commands/index.js';

// A promise of a step that was cut short (Ctrl-C, the deadline) may fail after the drill has moved on; that
// must never end drdrill in the middle of its teardown, leaving things behind.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`drdrill: warning: a background task failed after its step had ended: ${errorMessage(err)}\n`);
});

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('drdrill')
    .version(DRDRILL_VERSION)
    .strict()
    .demandCommand(1, 'Give a command; see drdrill --help')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new DrillError('invalid-config', msg);
    });
  for (const register of commands) register(cli);
  await cli.parseAsync();
}

main().then(exitWhenFlushed, (err: unknown) => {
  // One line that names the cause; the stack only on request.
  const code = err instanceof DrillError ? EXIT_CODES[err.exitCode] : EXIT_CODES.error;
  // Scenario problems are `file:line:col: ...` lines, as compilers print them, for editors to jump to.
  process.stderr.write(err instanceof ScenarioError ? `${err.message}\n` : `drdrill: ${errorMessage(err)}\n`);
  if (process.env.DRDRILL_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  process.exitCode = code;
  exitWhenFlushed();
});

/** Exit as soon as output is written: a drill's leftover timers or sockets must not keep the CLI alive. */
function exitWhenFlushed(): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}
