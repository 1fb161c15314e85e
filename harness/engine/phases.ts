import type pg from 'pg';
import { backupDefinition } from '../backups/index.js';
import { loadShopDataset } from '../datasets/load-dataset.js';
import { faultDefinition } from '../faults/index.js';
import { LEDGER_TABLE } from '../ledger/ledger-table.js';
import { LedgerWriter } from '../ledger/ledger-writer.js';
import { computeRpo, summariseLedger } from '../measurement/rpo.js';
import { recoveryDefinition } from '../recoveries/index.js';
import { parseDuration } from '../scenario/schema.js';
import { sleep } from '../util/retry.js';
import { takeBaseline } from '../verification/baseline.js';
import { runDataChecks } from '../verification/index.js';
import { withClient } from '../verification/table-probes.js';
import { provisionStandbys } from '../topology/standbys.js';
import { DRILL_DATABASE, type DrillContext } from './context.js';
import { DrillError } from './errors.js';
import type { PhaseName } from './journal.js';

export interface Phase {
  name: Exclude<PhaseName, 'provision' | 'teardown'>;
  run(ctx: DrillContext): Promise<void>;
}

const SERVICE_WAIT_MS = 120_000;

export const seed: Phase = {
  name: 'seed',
  async run(ctx) {
    await LedgerWriter.createTable(ctx.db());
    const loaded = await loadShopDataset(ctx.db(), ctx.scenario.dataset.scale, ctx.scenario.dataset.seed);
    ctx.recorder.measure('dataset', loaded);
    ctx.recorder.event(
      'seed',
      `loaded ${ctx.scenario.dataset.fixture} at scale ${loaded.scale} in ${loaded.seconds.toFixed(2)} s`,
      { rows: loaded.rows },
    );
  },
};

export const baseline: Phase = {
  name: 'baseline',
  async run(ctx) {
    ctx.baseline = await takeBaseline(ctx);
    ctx.recorder.measure('baseline', {
      takenAt: ctx.baseline.takenAt,
      rowCounts: ctx.baseline.rowCounts,
      fingerprints: ctx.baseline.fingerprints,
      sequences: ctx.baseline.sequences,
    });
  },
};

export const backup: Phase = {
  name: 'backup',
  async run(ctx) {
    for (const spec of ctx.scenario.backup) {
      const def = backupDefinition(spec.method)!;
      const records = await def.take(ctx, spec);
      for (const r of records) {
        ctx.recorder.backups.push(r);
        ctx.recorder.event('backup', `${r.method} backup ${r.id}: ${r.bytes} bytes`, { id: r.id, sha256: r.sha256 });
      }
    }
  },
};

export const workload: Phase = {
  name: 'workload',
  async run(ctx) {
    ctx.ledger.start(ctx.db(), ctx.primary.name);
    await sleep(parseDuration(ctx.scenario.workload.before), ctx.signal);
    if (ctx.ledger.acks.length === 0) {
      const last = ctx.ledger.failures.at(-1)?.error ?? 'no error recorded';
      throw new DrillError(
        'error',
        `the ledger writer acknowledged no write in ${ctx.scenario.workload.before} (${last})`,
      );
    }
    ctx.recorder.event('workload', `ledger running: ${ctx.ledger.acks.length} writes acknowledged`);
  },
};

export const inject: Phase = {
  name: 'inject',
  async run(ctx) {
    const spec = ctx.scenario.fault!;
    const fault = await faultDefinition(spec.type)!.inject(ctx, spec);
    ctx.fault = fault;
    ctx.rto.start(fault.at);
    ctx.recorder.measure('fault', fault);
    ctx.recorder.event('fault', fault.description, { ...fault }, fault.at);
  },
};

export const detect: Phase = {
  name: 'detect',
  async run(ctx) {
    const spec = ctx.scenario.fault!;
    await faultDefinition(spec.type)!.detect(ctx, spec);
    ctx.rto.mark('detect');
  },
};

export const recover: Phase = {
  name: 'recover',
  async run(ctx) {
    await recoveryDefinition(ctx.scenario.recovery.procedure)!.recover(ctx, ctx.scenario.recovery);
    ctx.recorder.event(
      'recovered',
      `recovery procedure "${ctx.scenario.recovery.procedure}" finished; primary is ${ctx.primary.name}`,
    );
  },
};

export const verify: Phase = {
  name: 'verify',
  async run(ctx) {
    const recoveredAt = Date.now();
    if (ctx.fault) await waitForService(ctx, recoveredAt);
    await runDataChecks(ctx);
    if (ctx.fault) {
      ctx.rto.mark('verify');
      const verifiedAt = Date.now();
      ctx.recorder.measure('rto.verifiedSeconds', ctx.rto.secondsUntil(verifiedAt));
      ctx.recorder.measure('rto.phases', ctx.rto.segments());
      ctx.recorder.event('verified', 'data verified on the recovered primary', {}, verifiedAt);
    }
    const remaining = parseDuration(ctx.scenario.workload.after) - (Date.now() - recoveredAt);
    if (remaining > 0) await sleep(remaining, ctx.signal);
    await ctx.ledger.stop();
    await checkLedger(ctx);
    const rec = recoveryDefinition(ctx.scenario.recovery.procedure)!;
    if (rec.afterVerify) await rec.afterVerify(ctx, ctx.scenario.recovery);
  },
};

/** Service is back at the first write acknowledged by the final primary after recovery. */
async function waitForService(ctx: DrillContext, recoveredAt: number): Promise<void> {
  const target = ctx.ledger.currentTarget!;
  const since = target.index > 0 ? target.since : recoveredAt;
  const deadline = Date.now() + SERVICE_WAIT_MS;
  const firstAck = () => ctx.ledger.acks.find((a) => a.target === target.index && a.ackAt >= since);
  let ack = firstAck();
  while (!ack && Date.now() < deadline) {
    await sleep(20, ctx.signal);
    ack = firstAck();
  }
  if (!ack) {
    const last = ctx.ledger.failures.at(-1)?.error ?? 'no error recorded';
    throw new DrillError(
      'failed',
      `no ledger write was acknowledged by ${target.label} within ${SERVICE_WAIT_MS / 1000} s after recovery (last error: ${last})`,
    );
  }
  ctx.rto.mark('reconnect', ack.ackAt);
  ctx.recorder.measure('rto.serviceSeconds', ctx.rto.secondsUntil(ack.ackAt));
  ctx.recorder.event(
    'service',
    `first write acknowledged by ${target.label} (seq ${ack.seq})`,
    { seq: ack.seq },
    ack.ackAt,
  );
}

async function checkLedger(ctx: DrillContext): Promise<void> {
  const summary = summariseLedger(ctx.ledger.acks, ctx.ledger.failures);
  ctx.recorder.measure('ledger', summary);
  const query = `SELECT seq FROM ${LEDGER_TABLE}`;
  let present: Set<number>;
  try {
    present = await withClient(
      ctx.db(),
      async (c: pg.Client) => new Set((await c.query<{ seq: string }>(query)).rows.map((r) => Number(r.seq))),
    );
  } catch (err) {
    ctx.recorder.check({
      name: 'ledger readable after recovery',
      status: 'error',
      message: (err as Error).message,
      evidence: { query },
    });
    return;
  }
  const targetAt = ctx.facts.recoveryTargetAt as number | undefined;
  const rpo = computeRpo({ acks: ctx.ledger.acks, present, ...(targetAt !== undefined ? { targetAt } : {}) });
  ctx.recorder.measure('rpo', rpo);
  const step = ctx.scenario.verify.find((s): s is { ledger: 'complete' | 'until-target' } => 'ledger' in s);
  if (!step) return;
  const lost = step.ledger === 'until-target' ? (rpo.lostBeforeTarget ?? rpo.lostAckedWrites!) : rpo.lostAckedWrites!;
  ctx.recorder.check({
    name:
      step.ledger === 'complete'
        ? 'every acknowledged ledger write is present'
        : 'every ledger write acknowledged before the recovery target is present',
    status: lost === 0 ? 'passed' : 'failed',
    ...(lost ? { message: `${lost} acknowledged write(s) missing (seq ${rpo.firstLostSeq}..${rpo.lastLostSeq})` } : {}),
    evidence: {
      query,
      expected: `${ctx.ledger.acks.length} acknowledged seqs present`,
      actual: `${ctx.ledger.acks.length - rpo.lostAckedWrites!} present, ${rpo.lostAckedWrites} missing`,
    },
  });
}

/** Phases after provisioning, in order; fault phases only when the scenario has a fault. */
export function drillPhases(hasFault: boolean): Phase[] {
  return hasFault
    ? [seed, baseline, backup, workload, inject, detect, recover, verify]
    : [seed, baseline, backup, workload, verify];
}

export async function createDrillDatabase(ctx: DrillContext): Promise<void> {
  await withClient(ctx.primary.connection('postgres'), (c) => c.query(`CREATE DATABASE ${DRILL_DATABASE}`));
  await provisionStandbys(ctx);
}
