import type { PgInstance } from '../environments/types.js';
import { DrillError } from '../engine/errors.js';
import { withClient } from '../verification/table-probes.js';
import { waitForStreaming } from '../topology/standbys.js';
import type { RecoveryDefinition } from './types.js';

/** Promote the standby and move the writer to it; afterwards, rejoin the old primary as a standby with pg_rewind. */
export const promoteStandby: RecoveryDefinition = {
  procedure: 'promote-standby',
  validate: (_spec, scenario) =>
    scenario.environment.postgres.standby ? [] : ['promote-standby needs environment.postgres.standby'],
  async recover(ctx) {
    const standby = (ctx.facts.standbys as PgInstance[] | undefined)?.[0];
    if (!standby) throw new DrillError('error', 'no standby to promote');
    const promoted = await withClient(
      standby.connection('postgres'),
      async (c) => (await c.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok')).rows[0]!.ok,
    );
    if (!promoted) throw new DrillError('failed', `${standby.name} did not finish promotion within 60 s`);
    ctx.rto.mark('promote');
    ctx.facts.oldPrimary = ctx.primary;
    ctx.primary = standby;
    ctx.ledger.retarget(ctx.db(standby), standby.name);
    ctx.recorder.measure('recovery', { procedure: 'promote-standby', promoted: standby.name });
  },
  async afterVerify(ctx, spec) {
    if (!spec.rewindOldPrimary) return;
    const old = ctx.facts.oldPrimary as PgInstance;
    const source = ctx.primary.peerConnection('postgres');
    const conninfo = `host=${source.host} port=${source.port} user=${source.user} dbname=postgres`;
    // pg_rewind reads the source's timeline from pg_control, which the promotion updates at its next checkpoint.
    await withClient(ctx.primary.connection('postgres'), (c) => c.query('CHECKPOINT'));
    const rewind = await old.runTool('pg_rewind', {
      args: ['--target-pgdata', old.dataDir, '--source-server', conninfo, '--progress'],
      allowFailure: true,
    });
    await ctx.saveArtifact('pg_rewind.txt', rewind.stdout + rewind.stderr, 'pg_rewind of the old primary');
    if (rewind.code === 0) {
      await old.adoptDataDirectory({ archive_mode: 'off' });
      await old.configure({ primary_conninfo: `${conninfo} application_name=${old.name}` });
      await old.writeFile('standby.signal', '');
      await old.start();
      await waitForStreaming(ctx, ctx.primary, 1, false).catch(() => undefined);
    }
    const streaming =
      rewind.code === 0 &&
      (await withClient(
        ctx.primary.connection('postgres'),
        async (c) =>
          (
            await c.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'`,
              [old.name],
            )
          ).rows[0]!.n,
      )) === '1';
    ctx.recorder.check({
      name: `old primary ${old.name} rejoined as a standby with pg_rewind`,
      status: streaming ? 'passed' : 'failed',
      ...(streaming ? {} : { message: rewind.code ? `pg_rewind exited ${rewind.code}` : 'it did not start streaming' }),
      evidence: {
        command: `pg_rewind --target-pgdata ${old.dataDir} --source-server '${conninfo}'`,
        actual: `exit ${rewind.code}`,
        output: (rewind.stdout + rewind.stderr).slice(-3000),
      },
    });
  },
};
