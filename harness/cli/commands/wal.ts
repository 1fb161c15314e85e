import type { CommandModule } from 'yargs';
import { runWalCommand } from '../../wal/wal-command.js';

const command: CommandModule = {
  command: 'wal <action>',
  describe: 'Archive or fetch one WAL file (for archive_command / restore_command)',
  builder: (y) => y.strict(false).help(false),
  handler: async () => {
    const i = process.argv.indexOf('wal');
    process.exitCode = await runWalCommand(process.argv.slice(i + 1));
  },
};
export default command;
