import { backupDefinition } from '../backups/index.js';
import { startMonitoring } from '../detection/monitor.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import { faultDefinition } from '../faults/index.js';
import { ObjectStore } from '../objectstore/client.js';
import { recoveryDefinition } from '../recoveries/index.js';
import { provisionStandbys } from '../topology/standbys.js';
import { withClient } from '../util/pg-client.js';
import { datasetKind } from '../datasets/user-dataset.js';
import { DRILL_DATABASE, type Drill, type DrillSetup } from './context.js';
import { describeEnvironment } from './describe-environment.js';
import { SkipDrill } from './skip.js';
import { startEnvironment } from './start-environment.js';
import { createWorkloadWriter, workloadProfile } from '../workload/start-writer.js';

/** Brings up the environment, the object store, the primary (and standbys) and the workload writer. */
export async function provision(
  setup: DrillSetup,
  keep: boolean,
  onEnvironment: (env: StartedEnvironment) => void,
): Promise<Drill> {
  const { scenario } = setup;
  const env = await startEnvironment(setup, keep, onEnvironment);
  const store = new ObjectStore(env.objectStore);
  setup.onTeardown('close the object store client', async () => store.destroy());
  await store.ensureBucket();

  const hints = scenario.fault ? (faultDefinition(scenario.fault.type).provisionHints?.(scenario.fault) ?? {}) : {};
  if (hints.volume) {
    const support = await env.volumeSupport();
    if (!support.ok) throw new SkipDrill(`this drill needs a size-limited volume: ${support.reason}`);
  }
  const primary = await env.createInstance({
    name: 'primary',
    initdb: true,
    settings: {},
    ...(hints.volume ? { volume: hints.volume } : {}),
  });
  const settings: Record<string, string | number | boolean> = {};
  for (const spec of scenario.backup)
    Object.assign(settings, await backupDefinition(spec.method).instanceSettings?.(spec, env, primary));
  Object.assign(settings, scenario.environment.postgres.settings);
  if (Object.keys(settings).length) await primary.configure(settings);
  await primary.start();
  const instances = new Map<string, PgInstance>([[primary.name, primary]]);
  await withClient(primary.connection('postgres'), (c) => c.query(`CREATE DATABASE ${DRILL_DATABASE}`));
  const standbys = await provisionStandbys({
    env,
    primary,
    spec: scenario.environment.postgres.standby,
    instances,
    recorder: setup.recorder,
    signal: setup.signal,
  });

  const workload = await createWorkloadWriter(
    setup,
    scenario.workload.ledger.rate,
    workloadProfile(scenario.workload, datasetKind(scenario.dataset) === 'shop', setup.runId),
  );

  const drill = provisionedDrill(setup, {
    env,
    store,
    environmentRecord: await describeEnvironment(env, primary),
    instances,
    standbys,
    workload,
    primary,
  });
  setup.recorder.measure('recovery', {
    procedure: scenario.recovery.procedure,
    title: recoveryDefinition(scenario.recovery.procedure).title,
  });
  for (const spec of scenario.backup) await backupDefinition(spec.method).prepare?.(drill, spec);
  drill.monitoring = await startMonitoring(drill);
  return drill;
}

type DrillParts = Omit<
  Drill,
  keyof DrillSetup | 'retired' | 'replacePrimary' | 'db' | 'baseline' | 'fault' | 'recoveryPoint' | 'monitoring'
>;

/** The provisioned drill around its parts: the primary it starts with, and how a recovery replaces it. */
export function provisionedDrill(setup: DrillSetup, parts: DrillParts, database = DRILL_DATABASE): Drill {
  let current = parts.primary;
  const retired: PgInstance[] = [];
  return {
    ...setup,
    ...parts,
    get primary() {
      return current;
    },
    retired,
    replacePrimary(instance) {
      retired.push(current);
      current = instance;
      if (parts.workload.running) parts.workload.retarget(instance.connection(database), instance.name);
    },
    db(instance) {
      return (instance ?? current).connection(database);
    },
  };
}
