import { z } from 'zod';
import { DrillError } from '../engine/errors.js';
import { now } from '../util/clock.js';
import { probeConnection, withClient } from '../util/pg-client.js';
import { defineFault } from './types.js';

export const primaryFailureSpec = z.strictObject({
  type: z.literal('primary-failure'),
  signal: z.enum(['SIGKILL', 'SIGQUIT']).default('SIGKILL'),
});

/** The primary node dies: a signal to its postmaster (SIGKILL by default). Its standby survives. */
export const primaryFailure = defineFault<z.output<typeof primaryFailureSpec>>({
  damage: () => [{ kind: 'cluster', name: 'primary' }],
  validate: (_spec, scenario) =>
    scenario.environment.postgres.standby
      ? []
      : ['needs a standby to fail over to: environment.postgres.standby: { count: 1 }'],
  async inject(drill, spec) {
    const lag = await withClient(
      drill.primary.connection('postgres'),
      async (c) =>
        (
          await c.query<{ name: string; replay_lag: string | null; sync_state: string }>(
            `SELECT application_name AS name, replay_lag::text, sync_state FROM pg_stat_replication`,
          )
        ).rows,
    );
    const at = now();
    const description = await drill.primary.kill(spec.signal);
    return { at, description, damaged: [{ kind: 'cluster', name: drill.primary.name }], replicationBeforeFault: lag };
  },
  async detect(drill) {
    const error = await probeConnection(drill.db());
    const standby = drill.standbys[0];
    if (!standby) throw new DrillError('error', 'no standby to fail over to');
    const inRecovery = await withClient(
      standby.connection('postgres'),
      async (s) => (await s.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r,
    );
    const ok = error !== 'connected' && inRecovery;
    drill.recorder.check({
      name: 'the primary is down and the standby is still in recovery',
      status: ok ? 'passed' : 'failed',
      ...(ok ? {} : { message: `${error}; standby in recovery: ${inRecovery}` }),
      evidence: {
        expected: 'connection refused; standby pg_is_in_recovery() = true',
        actual: `${error}; standby in recovery: ${inRecovery}`,
      },
    });
  },
});
