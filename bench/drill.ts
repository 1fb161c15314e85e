import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from '../harness/engine/journal.js';
import { packageRoot } from '../harness/util/paths.js';

/** Runs the real CLI with plain output; returns its exit code and wall time. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; seconds: number } {
  const t0 = performance.now();
  let code = 0;
  try {
    execFileSync(process.execPath, [join(packageRoot(), 'bin', 'drdrill.js'), ...args], {
      env: { ...process.env, CI: 'true', ...env },
      stdio: 'ignore',
    });
  } catch (err) {
    code = (err as { status?: number }).status ?? -1;
  }
  return { code, seconds: round((performance.now() - t0) / 1000) };
}

/** A temp directory the postgres user can traverse, removed by the caller. */
export function benchDir(): string {
  const dir = mkdtempSync(join(process.env.DRDRILL_WORK_DIR ?? tmpdir(), 'drdrill-bench-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Runs a scenario through the real CLI and returns its journal. */
export function drill(name: string, yaml: string, extraArgs: string[] = []): Journal {
  const dir = benchDir();
  try {
    writeFileSync(join(dir, `${name}.yaml`), yaml);
    // A failed drill is measured too: the journal says why.
    cli(['run', join(dir, `${name}.yaml`), '--out', join(dir, 'out'), '--reporter', 'json', ...extraArgs], {
      DRDRILL_WORK_DIR: dir,
    });
    return JSON.parse(readFileSync(join(dir, 'out', name, 'journal.json'), 'utf8')) as Journal;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const round = (n: number) => Math.round(n * 1000) / 1000;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Least-squares line y = intercept + slope * x, with r². */
export function fitLine(points: [number, number][]): { slope: number; intercept: number; r2: number } | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const slope = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
  const intercept = my - slope * mx;
  const ssTot = points.reduce((a, [, y]) => a + (y - my) ** 2, 0);
  const ssRes = points.reduce((a, [x, y]) => a + (y - intercept - slope * x) ** 2, 0);
  return { slope: round(slope), intercept: round(intercept), r2: ssTot ? round(1 - ssRes / ssTot) : 1 };
}
