import { startEnvironment } from '../engine/start-environment.js';
import type { StartedEnvironment } from '../environments/types.js';
import type { ScenarioSetup } from '../engine/context.js';
import { describeEnvironment } from '../engine/describe-environment.js';
import { DrillError } from '../engine/errors.js';
import type { PhaseName } from '../engine/journal.js';
import type { ScenarioPlan } from '../engine/plan.js';
import { round } from '../engine/recorder.js';
import type { LoadedScenario } from '../scenario/load.js';
import { now } from '../util/clock.js';
import type { RestorePhase, RestoreTest } from './context.js';
import { formatDefinition } from './formats/index.js';
import type { RestoreTestSpec } from './schema.js';
import { backupAgeSeconds, selectBackup } from './select.js';
import { openSource, sourceConnection } from './source.js';
import { verifyRestored } from './verify.js';

/** The scratch instance's name (its data directory stays under instances/restored with --keep). */
export const SCRATCH_INSTANCE = 'restored';

type Phase = { name: RestorePhase & PhaseName; run(ctx: RestoreTest): Promise<void> };

function timed(name: RestorePhase & PhaseName, fn: (ctx: RestoreTest) => Promise<void>): Phase {
  return {
    name,
    async run(ctx) {
      const t0 = now();
      try {
        await fn(ctx);
      } finally {
        ctx.seconds[name] = round((now() - t0) / 1000);
        ctx.recorder.measure('restore.phases', { ...ctx.seconds });
      }
    },
  };
}

function formatRun(ctx: RestoreTest) {
  if (!ctx.run) throw new DrillError('error', 'no backup was selected');
  return ctx.run;
}

const list = timed('list', async (ctx) => {
  const spec = ctx.scenario.source.format;
  const format = formatDefinition(spec.type);
  const backups = await format.list(ctx.source, spec);
  const at = Date.now();
  const backup = selectBackup(backups, ctx.scenario.source.select, at);
  ctx.selected = backup;
  ctx.run = format.open(ctx, spec, backup);
  ctx.recorder.measure('backup', {
    method: spec.type,
    origin: 'existing',
    id: backup.id,
    time: backup.time,
    bytes: backup.bytes,
    ageSeconds: backupAgeSeconds(backup, at),
    ...(backup.wal ? { wal: backup.wal } : {}),
    available: backups.length,
  });
  ctx.recorder.event(
    'select',
    `selected ${spec.type} backup ${backup.id} (${backup.time}, ${backup.bytes} bytes) of ${backups.length} in s3://${ctx.source.store.bucket}/${ctx.source.store.prefix}`,
    { id: backup.id },
  );
});

const fetch = timed('fetch', async (ctx) => {
  const { bytes } = await formatRun(ctx).fetch();
  ctx.bytes += bytes;
  ctx.recorder.measure('restore.bytes', ctx.bytes);
});

const integrity = timed('integrity', (ctx) => formatRun(ctx).integrity());

const restore = timed('restore', (ctx) => formatRun(ctx).restore());

const replay = timed('replay', async (ctx) => {
  const run = formatRun(ctx);
  if (!run.replay) return;
  const r = await run.replay();
  ctx.recorder.measure('restore.replay', { ...(r.endLsn ? { endLsn: r.endLsn } : {}), description: r.description });
  ctx.recorder.event('replay', r.description);
});

const verify = timed('verify', async (ctx) => {
  ctx.environmentRecord = await describeRestoreEnvironment(ctx);
  await verifyRestored(ctx);
});

/** After verify: the whole restore's time and throughput, the objective `restore` reads. */
const measured: Phase = {
  ...verify,
  async run(ctx) {
    await verify.run(ctx);
    const seconds = round(Object.values(ctx.seconds).reduce((a, b) => a + b, 0));
    ctx.recorder.measure('restore.seconds', seconds);
    ctx.recorder.measure('restore.bytesPerSecond', seconds > 0 ? Math.round(ctx.bytes / seconds) : 0);
    ctx.recorder.measure('restore.target', ctx.scenario.target);
  },
};

async function describeRestoreEnvironment(ctx: RestoreTest) {
  const record = await describeEnvironment(ctx.env, ctx.instance);
  const store = ctx.source.store;
  return {
    ...record,
    objectStore: { kind: 's3', endpoint: store.conn.endpoint, bucket: store.bucket, prefix: store.prefix },
  };
}

async function provision(
  setup: ScenarioSetup<RestoreTestSpec>,
  keep: boolean,
  onEnvironment: (env: StartedEnvironment) => void,
): Promise<RestoreTest> {
  const { scenario } = setup;
  const format = formatDefinition(scenario.source.format.type);
  const conn = sourceConnection(scenario.source.objectStore);
  const env = await startEnvironment(setup, keep, onEnvironment);
  await format.prerequisites?.(env);
  const store = openSource(conn);
  setup.onTeardown('close the source client', async () => store.destroy());
  const instance = await env.createInstance({ name: SCRATCH_INSTANCE, initdb: format.initdb });
  if (format.initdb) {
    if (Object.keys(scenario.environment.postgres.settings).length)
      await instance.configure(scenario.environment.postgres.settings);
    await instance.start();
  }
  return {
    ...setup,
    env,
    instance,
    source: { store, conn, tools: instance },
    bytes: 0,
    seconds: {},
  };
}

/** `kind: RestoreTest`: list, fetch, integrity, restore, [replay,] verify, on a scratch instance. */
export function restoreTestPlan(loaded: LoadedScenario<RestoreTestSpec>): ScenarioPlan<RestoreTestSpec, RestoreTest> {
  const format = formatDefinition(loaded.scenario.source.format.type);
  return {
    phases: format.pitr
      ? [list, fetch, integrity, restore, replay, measured]
      : [list, fetch, integrity, restore, measured],
    provision,
    environmentRecord: (ctx) => ctx.environmentRecord,
    damage: () => ({}),
    async collectFailureEvidence(ctx) {
      const log = await ctx.instance.logTail(20_000).catch((err: Error) => `(log unreadable: ${err.message})`);
      await ctx.saveArtifact(`postgres-${SCRATCH_INSTANCE}.log`, log, 'PostgreSQL log of the scratch instance');
    },
  };
}
