/**
 * Entry point of the single-file WAL tool (dist/wal-tool.cjs) that archive_command and restore_command run.
 * Kept apart from the CLI so it starts fast and can be copied next to a data directory.
 */
import '../util/quiet-sdk-warning.js';
import { runWalCommand } from './wal-command.js';

// Invoked as `wal-tool.cjs wal <action> ...`, like `drdrill wal <action> ...`.
const args = process.argv.slice(2);
void runWalCommand(args[0] === 'wal' ? args.slice(1) : args).then((code) => process.exit(code));
