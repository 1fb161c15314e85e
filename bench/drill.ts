import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from '../harness/engine/journal.js';
import { packageRoot } from '../harness/util/paths.js';

/** Runs a scenario through the real CLI and returns its journal. */
export function drill(name: string, yaml: string, extraArgs: string[] = []): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'drdrill-bench-'));
  chmodSync(dir, 0o755);
  try {
    writeFileSync(join(dir, `${name}.yaml`), yaml);
    try {
      execFileSync(
        process.execPath,
        [
          join(packageRoot(), 'bin', 'drdrill.js'),
          'run',
          join(dir, `${name}.yaml`),
          '--out',
          join(dir, 'out'),
          '--reporter',
          'json',
          ...extraArgs,
        ],
        {
          env: { ...process.env, CI: 'true', DRDRILL_WORK_DIR: dir },
          stdio: 'ignore',
        },
      );
    } catch {
      // The journal says why.
    }
    return JSON.parse(readFileSync(join(dir, 'out', name, 'journal.json'), 'utf8')) as Journal;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const round = (n: number) => Math.round(n * 1000) / 1000;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
