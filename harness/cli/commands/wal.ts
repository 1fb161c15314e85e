import type { Argv } from 'yargs';
import { defineCommand } from '../define-command.js';
import { runWalCommand } from '../../wal/wal-command.js';

export default defineCommand({
  command: 'wal <action>',
  describe: 'Archive or fetch one WAL file (for archive_command / restore_command)',
  builder: (y: Argv) => y.strict(false).help(false),
  handler: async () => {
    const i = process.argv.indexOf('wal');
    process.exitCode = await runWalCommand(process.argv.slice(i + 1));
  },
});
