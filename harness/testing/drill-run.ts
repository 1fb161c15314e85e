import { join } from 'node:path';
import type { Journal } from '../engine/journal.js';
import { journalOf } from './journals.js';
import { runCli, tempOutDir, workDir, type CliResult } from './run-cli.js';

/**
 * Runs one scenario file with the real CLI, in its own output and work directories, and reads back its
 * journal (validated against the published schema).
 */
export async function runScenario(
  file: string,
  drill: string,
  opts: { keep?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ r: CliResult; j: Journal; dir: string; work: string }> {
  const out = tempOutDir();
  const work = workDir();
  const r = await runCli(['run', file, '--out', out, '--reporter', 'json', ...(opts.keep ? ['--keep'] : [])], {
    env: { DRDRILL_WORK_DIR: work, ...opts.env },
  });
  let j: Journal;
  try {
    j = journalOf(out, drill);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nCLI exit ${r.code}:\n${r.stdout}\n${r.stderr}`, { cause: err });
  }
  return { r, j, dir: join(out, drill), work };
}
