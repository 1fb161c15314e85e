import { z } from 'zod';
import { now } from '../util/clock.js';
import { probeConnection } from '../util/pg-client.js';
import { defineFault } from './types.js';

export const clusterLossSpec = z.strictObject({ type: z.literal('cluster-loss') });

/** The whole cluster is gone: SIGKILL the postmaster (in containers: the container), then delete its data and local WAL. */
export const clusterLoss = defineFault<z.output<typeof clusterLossSpec>>({
  damage: () => [{ kind: 'cluster', name: 'primary' }],
  validate(_spec, scenario) {
    return scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal)
      ? []
      : ['needs backup: [{ method: basebackup, archiveWal: true }]: only the object store survives'];
  },
  async inject(drill) {
    const at = now();
    const killed = await drill.primary.kill('SIGKILL');
    const destroyed = await drill.primary.destroyData();
    return {
      at,
      description: `${killed}, then ${destroyed}`,
      damaged: [{ kind: 'cluster', name: drill.primary.name }],
    };
  },
  async detect(drill) {
    const conn = drill.db();
    const error = await probeConnection(conn);
    const gone = !(await drill.primary.exists('PG_VERSION'));
    const ok = error !== 'connected' && gone;
    drill.recorder.check({
      name: 'the primary is unreachable and its data directory is gone',
      status: ok ? 'passed' : 'failed',
      ...(ok ? {} : { message: `${error}; PG_VERSION ${gone ? 'absent' : 'present'}` }),
      evidence: {
        command: `connect ${conn.host}:${conn.port}`,
        expected: 'connection refused, no PG_VERSION',
        actual: `${error}; PG_VERSION ${gone ? 'absent' : 'present'}`,
      },
    });
  },
});
