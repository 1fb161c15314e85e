/**
 * Entry point of the single-file WAL tool (dist/wal-tool.cjs) that archive_command and restore_command run.
 * Kept apart from the CLI so it starts fast and can be copied next to a data directory.
 */
import '../util/quiet-sdk-warning.js';
import { runWalCommand } from './wal-command.js';

void runWalCommand(process.argv.slice(2)).then((code) => process.exit(code));
