import { DRILL_DATABASE } from '../engine/context.js';
import type { Recorder } from '../engine/recorder.js';
import type { PgInstance } from '../environments/types.js';

/** pg_amcheck over heap and B-tree indexes of a database (a drill's, or a restore test's); exit 0: none found. */
export async function verifyAmcheck(
  drill: { primary: PgInstance; recorder: Recorder },
  database = DRILL_DATABASE,
): Promise<void> {
  const args = ['-d', database, '--install-missing', '--heapallindexed', '--progress'];
  const r = await drill.primary.runTool('pg_amcheck', { args, allowFailure: true });
  const output = (r.stdout + r.stderr).trim();
  // Exit 2 means corruption was found; any other non-zero exit is the tool failing to check.
  drill.recorder.check({
    name: 'pg_amcheck finds no corruption',
    status: r.code === 0 ? 'passed' : r.code === 2 ? 'failed' : 'error',
    ...(r.code === 0
      ? {}
      : {
          message: `pg_amcheck exited ${r.code}${r.code === 2 ? '' : ' (it could not check)'}: ${output.split('\n').slice(0, 3).join(' | ')}`,
        }),
    evidence: {
      command: `pg_amcheck ${args.join(' ')}`,
      expected: 'exit 0',
      actual: `exit ${r.code}`,
      output: output.slice(0, 8000),
    },
  });
}
