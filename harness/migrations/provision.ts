import { existsSync, readdirSync } from 'node:fs';
import { DRILL_DATABASE } from '../engine/context.js';
import { describeEnvironment } from '../engine/describe-environment.js';
import { DrillError } from '../engine/errors.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import { withClient } from '../util/pg-client.js';
import { startEnvironment } from '../engine/start-environment.js';
import { createWorkloadWriter, workloadProfile } from '../workload/start-writer.js';
import type { Migration, MigrationSetup } from './context.js';
import { migrationProcedure } from './procedures/index.js';
import type { MigrationScenario } from './schema.js';

/**
 * A migration between majors runs each side on its own PostgreSQL; the host must have both. Checked before
 * anything starts, naming what to install.
 */
export function checkMigrationVersions(scenario: MigrationScenario): void {
  for (const side of ['source', 'target'] as const) {
    const wanted = scenario[side].version;
    if (!wanted) continue;
    if (scenario.environment.kind !== 'native')
      throw new DrillError(
        'missing-prerequisite',
        `${side}.version "${wanted}": instances of another major version run on the native environment only`,
      );
    const root = '/usr/lib/postgresql';
    const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)) : [];
    if (!majors.includes(wanted) && !process.env.PG_BIN)
      throw new DrillError(
        'missing-prerequisite',
        `${side}.version is "${wanted}" but this host has PostgreSQL ${majors.join(', ') || 'none'} under ${root}; install postgresql-${wanted} (apt-get install postgresql-${wanted}) to rehearse a migration to it`,
      );
  }
}

async function startInstance(
  env: StartedEnvironment,
  name: 'source' | 'target',
  version: string | undefined,
  settings: Record<string, string | number | boolean>,
): Promise<PgInstance> {
  const instance = await env.createInstance({ name, initdb: true, settings: {}, ...(version ? { version } : {}) });
  if (Object.keys(settings).length) await instance.configure(settings);
  await instance.start();
  await withClient(instance.connection('postgres'), (c) => c.query(`CREATE DATABASE ${DRILL_DATABASE}`));
  return instance;
}

/** Brings up the environment, the source and the target (each with its settings) and the writer. */
export async function provisionMigration(
  setup: MigrationSetup,
  keep: boolean,
  onEnvironment: (env: StartedEnvironment) => void,
): Promise<Migration> {
  const { scenario } = setup;
  checkMigrationVersions(scenario);
  const procedure = migrationProcedure(scenario.migration.procedure);
  const env = await startEnvironment(setup, keep, onEnvironment);
  const common = scenario.environment.postgres.settings;
  const sourceSettings = {
    ...common,
    ...(procedure.sourceSettings?.(scenario.migration) ?? {}),
    ...scenario.source.settings,
  };
  const targetSettings = { ...common, ...scenario.target.settings };
  const source = await startInstance(env, 'source', scenario.source.version, sourceSettings);
  const target = await startInstance(env, 'target', scenario.target.version, targetSettings);

  const workload = await createWorkloadWriter(
    setup,
    scenario.workload.ledger.rate,
    workloadProfile(scenario.workload, scenario.dataset.fixture === 'shop', setup.runId),
  );

  const migration: Migration = {
    ...setup,
    env,
    environmentRecord: await describeEnvironment(env, source),
    source,
    target,
    instances: new Map([
      [source.name, source],
      [target.name, target],
    ]),
    workload,
    db: (instance) => instance.connection(DRILL_DATABASE),
  };
  setup.recorder.measure('migration', {
    procedure: scenario.migration.procedure,
    title: procedure.title,
    source: await describeInstance(source, Object.keys(sourceSettings)),
    target: await describeInstance(target, Object.keys(targetSettings)),
  });
  return migration;
}

/** Settings every side records, besides the ones the scenario sets. */
const SIDE_SETTINGS = ['wal_level', 'shared_buffers', 'max_connections', 'synchronous_commit', 'max_wal_size'];

/** Version and settings (the scenario's and a few that matter to a move), as the journal records each side. */
async function describeInstance(
  instance: PgInstance,
  requested: string[],
): Promise<{ version: string; versionNum: number; settings: Record<string, string> }> {
  return withClient(instance.connection('postgres'), async (c) => {
    const v = await c.query<{ version: string; num: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num`,
    );
    const s = await c.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
      [[...new Set([...SIDE_SETTINGS, ...requested])]],
    );
    return {
      version: v.rows[0]!.version,
      versionNum: Number(v.rows[0]!.num),
      settings: Object.fromEntries(s.rows.map((r) => [r.name, r.setting])),
    };
  });
}
