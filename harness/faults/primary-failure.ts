import pg from 'pg';
import { withClient } from '../verification/table-probes.js';
import type { PgInstance } from '../environments/types.js';
import type { FaultDefinition } from './types.js';

/** The primary node dies: a signal to its postmaster (SIGKILL by default). Its standby survives. */
export const primaryFailure: FaultDefinition<'primary-failure'> = {
  type: 'primary-failure',
  validate: (_spec, scenario) =>
    scenario.environment.postgres.standby
      ? []
      : ['needs a standby to fail over to: environment.postgres.standby: { count: 1 }'],
  async inject(ctx, spec) {
    const lag = await withClient(
      ctx.primary.connection('postgres'),
      async (c) =>
        (
          await c.query<{ name: string; replay_lag: string | null; sync_state: string }>(
            `SELECT application_name AS name, replay_lag::text, sync_state FROM pg_stat_replication`,
          )
        ).rows,
    );
    const description = await ctx.primary.kill(spec.signal);
    return { at: Date.now(), description, replicationBeforeFault: lag };
  },
  async detect(ctx) {
    const c = new pg.Client({ ...ctx.db(), connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    const error = await c
      .connect()
      .then(
        () => 'connected',
        (err: Error) => err.message,
      )
      .finally(() => c.end().catch(() => {}));
    const standby = (ctx.facts.standbys as PgInstance[])[0]!;
    const inRecovery = await withClient(
      standby.connection('postgres'),
      async (s) => (await s.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r,
    );
    ctx.recorder.check({
      name: 'the primary is down and the standby is still in recovery',
      status: error !== 'connected' && inRecovery ? 'passed' : 'failed',
      evidence: {
        expected: 'connection refused; standby pg_is_in_recovery() = true',
        actual: `${error}; standby in recovery: ${inRecovery}`,
      },
    });
  },
};
