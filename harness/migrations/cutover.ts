import { budgetMs } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import { round } from '../engine/recorder.js';
import { now } from '../util/clock.js';
import { connectClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import type { Ack } from '../workload/writes.js';
import type { Migration } from './context.js';

/**
 * Opens the consistent cut of the target that verification compares with the source: a REPEATABLE READ
 * transaction whose snapshot is taken now, while the writer is held, and kept open until teardown.
 */
export async function takeCut(m: Migration): Promise<void> {
  const target = await connectClient(m.db(m.target), { applicationName: 'drdrill-migration-cut' });
  m.onTeardown('close the cutover snapshot', () => target.end().catch(() => {}));
  await target.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await target.query('SELECT 1');
  m.cut = { at: now(), target };
}

/** Points the writer at the target (it is held: the next write goes there when it is let go). */
export function retargetWriter(m: Migration): void {
  m.workload.stopMirror();
  m.workload.retarget(m.db(m.target), m.target.name);
}

/** The first write the target acknowledged as the writer's only database. */
export async function firstTargetWrite(m: Migration): Promise<Ack> {
  const target = m.workload.currentTarget;
  if (!target || target.label !== m.target.name)
    throw new DrillError('error', 'the writer was never pointed at the target');
  const deadline = now() + budgetMs('service');
  for (;;) {
    const ack = m.workload.acks.find((a) => a.target === target.index);
    if (ack) return ack;
    if (now() > deadline) {
      const last = m.workload.failures.at(-1)?.error ?? 'no error recorded';
      throw new DrillError(
        'failed',
        `no write was acknowledged by the target within ${budgetMs('service') / 1000} s after the cutover (last error: ${last})`,
      );
    }
    await sleep(10, m.signal);
  }
}

/**
 * Write downtime: from the last write acknowledged before the switch (on the source, or on both) to the
 * first one the target acknowledged alone. At 100 writes/s, 0.01 s is the writer's own spacing.
 */
export async function measureWriteDowntime(m: Migration, freeze?: { from: number; to: number }): Promise<number> {
  const first = await firstTargetWrite(m);
  const last = m.workload.acks.filter((a) => a.target !== first.target && a.seq < first.seq).at(-1);
  const from = last?.ackAt ?? first.ackAt;
  const seconds = round((first.ackAt - from) / 1000);
  const failed = m.workload.failures.filter((f) => f.at > from && f.at < first.ackAt);
  m.recorder.measure('migration.writeDowntimeSeconds', seconds);
  m.recorder.measure('migration.cutover', {
    lastSourceWrite: last ? { seq: last.seq, at: new Date(last.ackAt).toISOString() } : null,
    firstTargetWrite: { seq: first.seq, at: new Date(first.ackAt).toISOString() },
    ...(freeze
      ? {
          freezeFrom: new Date(freeze.from).toISOString(),
          freezeTo: new Date(freeze.to).toISOString(),
        }
      : {}),
    failedWrites: failed.length,
  });
  if (freeze) m.recorder.measure('migration.freezeSeconds', round((freeze.to - freeze.from) / 1000));
  m.recorder.event('writes-stopped', `last write acknowledged before the switch (seq ${last?.seq ?? '—'})`, {}, from);
  m.recorder.event(
    'writes-resumed',
    `first write acknowledged by the target alone (seq ${first.seq}): ${seconds} s without acknowledged writes`,
    { seq: first.seq },
    first.ackAt,
  );
  m.recorder.check({
    name: 'the target acknowledges writes after the cutover',
    status: 'passed',
    evidence: { expected: 'a write acknowledged by the target', actual: `seq ${first.seq}`, downtimeSeconds: seconds },
  });
  return seconds;
}
