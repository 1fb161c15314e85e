import { backupDefinition } from '../backups/index.js';
import { loadShopDataset } from '../datasets/load-dataset.js';
import { awaitAlert } from '../detection/await-alert.js';
import { datasetKind, loadUserDataset } from '../datasets/user-dataset.js';
import { faultDefinition } from '../faults/index.js';
import { damageName, type FaultRecord } from '../faults/types.js';
import { lostWrites, rpoMeasurements, summariseLedger, type LostWrite } from '../measurement/rpo.js';
import { serviceOutage } from '../measurement/service.js';
import { readSurvival } from '../measurement/survival.js';
import { namingObjectStore } from '../objectstore/health.js';
import { recoveryDefinition } from '../recoveries/index.js';
import { parseDuration } from '../scenario/fields.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import { takeBaseline } from '../verification/baseline.js';
import { runDataChecks } from '../verification/index.js';
import { baselinePart, rowCount } from '../verification/table-probes.js';
import type { WriteSnapshot } from '../verification/table-checks.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import { WorkloadWriter } from '../workload/writer.js';
import { budgetMs } from './budgets.js';
import type { Drill } from './context.js';
import { DrillError } from './errors.js';
import type { PhaseName } from './journal.js';

export interface Phase {
  name: Exclude<PhaseName, 'provision' | 'teardown'>;
  run(drill: Drill): Promise<void>;
}

export const seed: Phase = {
  name: 'seed',
  async run(drill) {
    await WorkloadWriter.createTable(drill.db());
    const dataset = drill.scenario.dataset;
    if (datasetKind(dataset) !== 'shop') {
      const t0 = now();
      const user = await loadUserDataset(drill);
      const seconds = (now() - t0) / 1000;
      drill.recorder.measure('dataset', {
        source: datasetKind(dataset),
        description: user.description,
        rows: user.rows,
        seconds,
      });
      drill.recorder.event('seed', `loaded ${user.description} in ${seconds.toFixed(2)} s`, { rows: user.rows });
      return;
    }
    const loaded = await loadShopDataset(drill.db(), dataset.scale, dataset.seed);
    drill.recorder.measure('dataset', loaded);
    drill.recorder.event('seed', `loaded shop at scale ${loaded.scale} in ${loaded.seconds.toFixed(2)} s`, {
      rows: loaded.rows,
    });
  },
};

export const baseline: Phase = {
  name: 'baseline',
  async run(drill) {
    const taken = await takeBaseline(drill);
    drill.baseline = taken;
    drill.recorder.measure('baseline', {
      takenAt: taken.takenAt,
      rowCounts: taken.rowCounts,
      fingerprints: taken.fingerprints,
      sequences: taken.sequences,
    });
  },
};

export const backup: Phase = {
  name: 'backup',
  async run(drill) {
    for (const spec of drill.scenario.backup) {
      for (const r of await backupDefinition(spec.method).take(drill, spec)) {
        drill.recorder.backups.push(r);
        drill.recorder.event('backup', `${r.method} backup ${r.id}: ${r.bytes} bytes`, { id: r.id, sha256: r.sha256 });
      }
    }
  },
};

export const workload: Phase = {
  name: 'workload',
  async run(drill) {
    drill.workload.start(drill.db(), drill.primary.name);
    await sleep(parseDuration(drill.scenario.workload.before), drill.signal);
    if (drill.workload.acks.length === 0) {
      const last = drill.workload.failures.at(-1)?.error ?? 'no error recorded';
      throw new DrillError(
        'error',
        `the workload writer acknowledged no write in ${drill.scenario.workload.before} (${last})`,
      );
    }
    drill.recorder.event(
      'workload',
      `workload (${drill.workload.profile.name}) running: ${drill.workload.acks.length} writes acknowledged`,
    );
  },
};

export const inject: Phase = {
  name: 'inject',
  async run(drill) {
    const spec = drill.scenario.fault;
    if (!spec) throw new DrillError('error', 'inject phase without a fault');
    const fault = await faultDefinition(spec.type).inject(drill, spec);
    drill.fault = fault;
    drill.rto.start(fault.at);
    recordFault(drill, fault);
    drill.recorder.event('fault', fault.description, { damaged: fault.damaged.map(damageName) }, fault.at);
  },
};

export const detect: Phase = {
  name: 'detect',
  async run(drill) {
    const spec = drill.scenario.fault;
    if (!spec) throw new DrillError('error', 'detect phase without a fault');
    await faultDefinition(spec.type).detect(drill, spec);
    drill.rto.mark('detect');
    if (drill.fault) recordFault(drill, drill.fault);
    // Recovery starts once the alert fires, as it would when the alert pages someone.
    if (drill.monitoring) {
      await awaitAlert(drill, drill.monitoring);
      drill.rto.mark('alert');
    }
  },
};

export const recover: Phase = {
  name: 'recover',
  async run(drill) {
    const spec = drill.scenario.recovery;
    const definition = recoveryDefinition(spec.procedure);
    const started = now();
    const details = await namingObjectStore(drill.store, () => definition.recover(drill, spec));
    await confirmDataRestored(drill);
    const restoredAt = now();
    drill.rto.mark('data-restored', restoredAt);
    const dataRestored = drill.rto.secondsUntil(restoredAt);
    if (dataRestored !== undefined) drill.recorder.measure('rto.dataRestoredSeconds', dataRestored);
    drill.recorder.measure('recovery', {
      procedure: spec.procedure,
      title: definition.title,
      seconds: Math.round(restoredAt - started) / 1000,
      ...details,
    });
    drill.recorder.event(
      'recovered',
      `recovery procedure "${spec.procedure}" finished; the damaged data is back; primary is ${drill.primary.name}`,
      {},
      restoredAt,
    );
  },
};

export const verify: Phase = {
  name: 'verify',
  async run(drill) {
    const recoveredAt = now();
    if (drill.fault) await waitForService(drill, recoveredAt);
    await runDataChecks(drill, await writeSnapshot(drill));
    if (drill.fault) {
      const verifiedAt = now();
      drill.rto.mark('verify', verifiedAt);
      const verified = drill.rto.secondsUntil(verifiedAt);
      if (verified !== undefined) drill.recorder.measure('rto.verifiedSeconds', verified);
      drill.recorder.measure('rto.phases', drill.rto.segments());
      drill.recorder.event('verified', 'data verified on the recovered primary', {}, verifiedAt);
    }
    const remaining = parseDuration(drill.scenario.workload.after) - (now() - recoveredAt);
    if (remaining > 0) await sleep(remaining, drill.signal);
    await drill.workload.stop();
    await measureWrites(drill);
    const spec = drill.scenario.recovery;
    await recoveryDefinition(spec.procedure).afterVerify?.(drill, spec);
  },
};

function recordFault(drill: Drill, fault: FaultRecord): void {
  drill.recorder.measure('fault', { ...fault, damaged: fault.damaged.map(damageName) });
}

/**
 * The end of the recovery: the damaged data is back on the primary. A damaged table needs every baseline row
 * back; a damaged cluster or volume needs the ledger readable and every table's baseline rows back.
 */
async function confirmDataRestored(drill: Drill): Promise<void> {
  const damaged = drill.fault?.damaged ?? [];
  if (!damaged.length || !drill.baseline) return;
  const baseline = drill.baseline;
  const whole = damaged.some((d) => d.kind !== 'table');
  const tables = whole ? Object.keys(baseline.rowCounts) : damaged.map((d) => d.name);
  const found: Record<string, number | string> = {};
  await withClient(drill.db(), async (c) => {
    for (const t of tables)
      found[t] = await rowCount(c, t, baselinePart(baseline.keys, t, drill.workload.acks)).catch(
        (err: Error) => `error: ${err.message}`,
      );
    if (whole) found[LEDGER_TABLE] = await rowCount(c, LEDGER_TABLE).catch((err: Error) => `error: ${err.message}`);
  });
  const wrong = tables.filter((t) => found[t] !== baseline.rowCounts[t]);
  const ledgerBroken = typeof found[LEDGER_TABLE] === 'string';
  const ok = !wrong.length && !ledgerBroken;
  drill.recorder.check({
    name: `the damaged data is back on ${drill.primary.name} (baseline rows of ${tables.join(', ')})`,
    status: ok ? 'passed' : 'failed',
    ...(ok
      ? {}
      : {
          message: [
            ...wrong.map((t) => `${t}: expected ${baseline.rowCounts[t]} baseline rows, found ${found[t]}`),
            ...(ledgerBroken ? [`${LEDGER_TABLE}: ${found[LEDGER_TABLE]}`] : []),
          ].join('; '),
        }),
    evidence: {
      query: 'SELECT count(*) FROM <table> WHERE <key> <= <baseline max>',
      expected: Object.fromEntries(tables.map((t) => [t, baseline.rowCounts[t]])),
      actual: found,
    },
  });
}

/**
 * Service is back once a write is acknowledged by the final primary after recovery and after the last
 * failed write: the application can write again.
 */
async function waitForService(drill: Drill, recoveredAt: number): Promise<void> {
  const target = drill.workload.currentTarget;
  if (!target) throw new DrillError('error', 'the workload writer was never started');
  const budget = budgetMs('service');
  const deadline = now() + budget;
  const resumed = () => {
    const lastFailure = drill.workload.failures.at(-1)?.at ?? 0;
    const since = Math.max(target.index > 0 ? target.since : recoveredAt, lastFailure);
    return drill.workload.acks.find((a) => a.target === target.index && a.ackAt > since);
  };
  let ack = resumed();
  while (!ack && now() < deadline) {
    await sleep(20, drill.signal);
    ack = resumed();
  }
  if (!ack) {
    const last = drill.workload.failures.at(-1)?.error ?? 'no error recorded';
    throw new DrillError(
      'failed',
      `no write was acknowledged by ${target.label} within ${budget / 1000} s after recovery (last error: ${last})`,
    );
  }
  drill.recorder.event(
    'service',
    `write acknowledged by ${target.label} (seq ${ack.seq})`,
    { seq: ack.seq },
    ack.ackAt,
  );
}

/** The workload's writes acknowledged so far, and which of them the primary is missing now. */
async function writeSnapshot(drill: Drill): Promise<WriteSnapshot> {
  const acks = [...drill.workload.acks];
  const lost = await withClient(drill.db(), async (c) =>
    lostWrites(acks, await readSurvival(c, acks, drill.baseline), drill.recoveryPoint, { writerRunning: true }),
  ).catch(() => [] as LostWrite[]);
  return { acks, lost };
}

/** After the workload stopped: RPO per table, the service outage, and the ledger check if the scenario asks. */
async function measureWrites(drill: Drill): Promise<void> {
  const { acks, failures } = drill.workload;
  drill.recorder.measure('ledger', summariseLedger(acks, failures));
  if (drill.fault) {
    const service = serviceOutage(acks, failures, drill.fault.at);
    if (service.serviceSeconds !== undefined) drill.recorder.measure('rto.serviceSeconds', service.serviceSeconds);
    drill.recorder.measure('rto.outage', service.outage);
  }
  const query = `SELECT seq FROM ${LEDGER_TABLE}; SELECT <key>, <updated columns> FROM <each table the workload wrote>`;
  let lost: LostWrite[];
  try {
    lost = await withClient(drill.db(), async (c) =>
      lostWrites(acks, await readSurvival(c, acks, drill.baseline), drill.recoveryPoint),
    );
  } catch (err) {
    drill.recorder.check({
      name: 'the workload writes are readable after recovery',
      status: 'error',
      message: (err as Error).message,
      evidence: { query },
    });
    return;
  }
  const rpo = rpoMeasurements(acks, lost, drill.recoveryPoint);
  drill.recorder.measure('rpo', rpo);
  const step = drill.scenario.verify.find((s) => 'ledger' in s);
  if (!step) return;
  const untilTarget = step.ledger === 'until-target' && drill.recoveryPoint;
  const missing = untilTarget ? lost.filter((l) => l.beforePoint) : lost;
  drill.recorder.check({
    name: untilTarget
      ? 'every acknowledged write committed before the recovery point is present'
      : 'every acknowledged write is present',
    status: missing.length === 0 ? 'passed' : 'failed',
    ...(missing.length
      ? {
          message: `${missing.length} acknowledged write(s) missing (seq ${missing[0]!.ack.seq}..${missing.at(-1)!.ack.seq}; tables ${[...new Set(missing.flatMap((m) => m.tables))].join(', ')})`,
        }
      : {}),
    phase: 'verify',
    covers: ['ledger'],
    evidence: {
      query,
      expected: `${acks.length} acknowledged writes present${untilTarget ? ` up to ${drill.recoveryPoint?.description}` : ''}`,
      actual: `${acks.length - lost.length} present, ${lost.length} missing${untilTarget ? ` (${missing.length} before the recovery point)` : ''}`,
      ...(drill.recoveryPoint ? { recoveryPoint: drill.recoveryPoint } : {}),
    },
  });
}

/** Phases after provisioning, in order; fault phases only when the scenario has a fault. */
export function drillPhases(hasFault: boolean): Phase[] {
  return hasFault
    ? [seed, baseline, backup, workload, inject, detect, recover, verify]
    : [seed, baseline, backup, workload, verify];
}
