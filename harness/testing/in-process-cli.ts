import { vi } from 'vitest';
import yargs from 'yargs';
import type { Command } from '../cli/define-command.js';
import { DrillError } from '../engine/errors.js';

/**
 * Runs one real command module in this process (the tests that check exit codes run the built CLI instead);
 * resolves with what it wrote to stdout, or rejects with its error. Stderr is silenced.
 */
export async function runCommand(command: Command, argv: string[]): Promise<string> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await command(yargs(argv))
      .strict()
      .fail((msg, error) => {
        throw error ?? new DrillError('invalid-config', msg);
      })
      .parseAsync();
    return stdout;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
