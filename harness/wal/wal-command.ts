/** `wal push <path> <name>` and `wal fetch <name> <path>`; implemented by the backups work. */
export async function runWalCommand(argv: string[]): Promise<number> {
  process.stderr.write(`drdrill wal: not implemented in this build (${argv.join(' ')})\n`);
  return 255;
}
