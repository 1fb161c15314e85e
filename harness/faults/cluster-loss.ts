import pg from 'pg';
import type { FaultDefinition } from './types.js';

/** The whole cluster is gone: SIGKILL the postmaster (in containers: the container), then delete its data and local WAL. */
export const clusterLoss: FaultDefinition<'cluster-loss'> = {
  type: 'cluster-loss',
  validate(_spec, scenario) {
    return scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal)
      ? []
      : ['needs backup: [{ method: basebackup, archiveWal: true }]: only the object store survives'];
  },
  async inject(ctx) {
    const killed = await ctx.primary.kill('SIGKILL');
    const at = Date.now();
    const destroyed = await ctx.primary.destroyData();
    return { at, description: `${killed}, then ${destroyed}` };
  },
  async detect(ctx) {
    const conn = ctx.db();
    const c = new pg.Client({ ...conn, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    const error = await c
      .connect()
      .then(
        () => 'connected',
        (err: Error) => err.message,
      )
      .finally(() => c.end().catch(() => {}));
    const gone = !(await ctx.primary.exists('PG_VERSION'));
    ctx.recorder.check({
      name: 'the primary is unreachable and its data directory is gone',
      status: error !== 'connected' && gone ? 'passed' : 'failed',
      evidence: {
        command: `connect ${conn.host}:${conn.port}`,
        expected: 'connection refused, no PG_VERSION',
        actual: `${error}; PG_VERSION ${gone ? 'absent' : 'present'}`,
      },
    });
  },
};
