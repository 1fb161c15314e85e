import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../harness/util/paths.js';
import { benchDir, cli, round } from './drill.js';
import { progress } from './overhead.js';
import type { SuiteResult, SuiteRun } from './results.js';
import { readFileSync } from 'node:fs';

/**
 * Suite wall time: the core drills (tag core: accidental-delete, corruption, disk-full, cluster-loss,
 * replica-failover) run by one `drdrill run`, at --parallel 1 and at --parallel 2, one after the other.
 */
export async function suiteBench(): Promise<SuiteResult> {
  const out: Partial<Record<'parallel1' | 'parallel2', SuiteRun>> = {};
  const seconds: Record<number, number> = {};
  for (const parallel of [1, 2]) {
    const dir = benchDir();
    try {
      const r = cli(
        [
          'run',
          join(packageRoot(), 'scenarios'),
          '--tag',
          'core',
          '--parallel',
          String(parallel),
          '--out',
          join(dir, 'out'),
          '--reporter',
          'json',
        ],
        {
          DRDRILL_WORK_DIR: dir,
        },
      );
      const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8')) as {
        drills: { drill: string; verdict: string }[];
      };
      seconds[parallel] = r.seconds;
      out[parallel === 1 ? 'parallel1' : 'parallel2'] = {
        seconds: r.seconds,
        exitCode: r.code,
        verdicts: Object.fromEntries(index.drills.map((d) => [d.drill, d.verdict])),
      };
      progress(`suite --parallel ${parallel}: ${r.seconds} s, exit ${r.code}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    parallel1: out.parallel1!,
    parallel2: out.parallel2!,
    ratio: round(seconds[2]! / seconds[1]!),
    what: 'wall time at --parallel 2 / --parallel 1',
  };
}
