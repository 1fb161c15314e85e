import type { DrillContext } from '../engine/context.js';
import { DRILL_DATABASE } from '../engine/context.js';

/** pg_amcheck over heap and B-tree indexes of the drill database; exit 0 means no corruption found. */
export async function verifyAmcheck(ctx: DrillContext): Promise<void> {
  const args = ['-d', DRILL_DATABASE, '--install-missing', '--heapallindexed', '--progress'];
  const r = await ctx.primary.runTool('pg_amcheck', { args, allowFailure: true });
  ctx.recorder.check({
    name: 'pg_amcheck finds no corruption',
    status: r.code === 0 ? 'passed' : 'failed',
    ...(r.code === 0
      ? {}
      : {
          message: `pg_amcheck exited ${r.code}: ${(r.stdout + r.stderr).trim().split('\n').slice(0, 3).join(' | ')}`,
        }),
    evidence: {
      command: `pg_amcheck ${args.join(' ')}`,
      expected: 'exit 0',
      actual: `exit ${r.code}`,
      output: (r.stdout + r.stderr).slice(0, 8000),
    },
  });
}
