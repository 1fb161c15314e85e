import { z } from 'zod';
import { budgets } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import { timelineSwitch } from '../measurement/recovery-point.js';
import { withClient } from '../util/pg-client.js';
import { waitForStreaming } from '../topology/standbys.js';
import { defineRecovery } from './types.js';

export const promoteStandbySpec = z.strictObject({
  procedure: z.literal('promote-standby'),
  rewindOldPrimary: z.boolean().default(false),
});

/** Promote the standby and move the writer to it; afterwards, rejoin the old primary as a standby with pg_rewind. */
export const promoteStandby = defineRecovery<z.output<typeof promoteStandbySpec>>({
  title: 'promoting the standby',
  validate: (_spec, scenario) =>
    scenario.environment.postgres.standby ? [] : ['promote-standby needs environment.postgres.standby'],
  async recover(drill) {
    const standby = drill.standbys[0];
    if (!standby) throw new DrillError('error', 'no standby to promote');
    const wait = budgets().promote;
    const promoted = await withClient(
      standby.connection('postgres'),
      async (c) => (await c.query<{ ok: boolean }>('SELECT pg_promote(true, $1) AS ok', [wait])).rows[0]!.ok,
    );
    if (!promoted) throw new DrillError('failed', `${standby.name} did not finish promotion within ${wait} s`);
    drill.rto.mark('promote');
    drill.replacePrimary(standby);
    const end = await timelineSwitch(standby);
    drill.recoveryPoint = { lsn: end.lsn, description: `what ${standby.name} had replayed when promoted (${end.lsn})` };
    return { promoted: standby.name, timelineSwitch: end };
  },
  async afterVerify(drill, spec) {
    const old = drill.retired.at(-1);
    if (!spec.rewindOldPrimary || !old) return;
    const source = drill.primary.peerConnection('postgres');
    const conninfo = `host=${source.host} port=${source.port} user=${source.user} dbname=postgres`;
    // pg_rewind reads the source's timeline from pg_control, which the promotion updates at its next checkpoint.
    await withClient(drill.primary.connection('postgres'), (c) => c.query('CHECKPOINT'));
    const rewind = await old.runTool('pg_rewind', {
      args: ['--target-pgdata', old.dataDir, '--source-server', conninfo, '--progress'],
      allowFailure: true,
    });
    await drill.saveArtifact('pg_rewind.txt', rewind.stdout + rewind.stderr, 'pg_rewind of the old primary');
    if (rewind.code === 0) {
      await old.adoptDataDirectory({ archive_mode: 'off' });
      await old.configure({ primary_conninfo: `${conninfo} application_name=${old.name}` });
      await old.writeFile('standby.signal', '');
      await old.start();
      await waitForStreaming(drill, drill.primary, 1, false).catch(() => undefined);
    }
    const streaming =
      rewind.code === 0 &&
      (await withClient(
        drill.primary.connection('postgres'),
        async (c) =>
          (
            await c.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'`,
              [old.name],
            )
          ).rows[0]!.n,
      )) === '1';
    drill.recorder.check({
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
});
