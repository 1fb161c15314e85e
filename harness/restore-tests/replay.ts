import { budgetMs } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import { recoveryTargetSettings } from '../restore/recovery-settings.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import { segmentNumber, segmentOfLsn } from '../wal/segments.js';
import type { RestoreTest } from './context.js';
import type { RestoreTarget } from './schema.js';

/** recovery_target_* for a restore test's target; replay ends by promoting. */
export function targetSettings(target: RestoreTarget): Record<string, string> {
  return {
    ...recoveryTargetSettings(target, undefined),
    recovery_target_action: 'promote',
    recovery_target_timeline: 'latest',
  };
}

export function describeTarget(target: RestoreTarget): string {
  return target.type === 'end-of-archive' || target.type === 'immediate'
    ? target.type
    : `${target.type} ${target.value}`;
}

/**
 * Starts a restored data directory in recovery and waits until it promotes; a FATAL or an exit ends it. With
 * the end of the archive as target, replay must reach the newest archived segment: PostgreSQL also promotes
 * at the first segment it cannot fetch, which would lose everything after it without a word.
 */
export async function replayUntilPromoted(
  ctx: RestoreTest,
  instance: PgInstance,
  newest: string | undefined,
): Promise<{ endLsn?: string; description: string }> {
  await instance.start({ waitReady: false });
  let exited = false;
  void instance.exited().then(() => {
    exited = true;
  });
  const deadline = now() + budgetMs('replay');
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const state = await recoveryState(instance);
    if (state === 'promoted') break;
    if (exited || state === 'down') {
      const log = await instance.logTail(400);
      const fatal = log
        .split('\n')
        .filter((l) => /FATAL|PANIC/.test(l))
        .slice(-2)
        .join(' | ');
      if (exited || fatal) throw new DrillError('failed', `recovery stopped: ${fatal || 'postgres exited'}`);
    }
    if (now() > deadline)
      throw new DrillError('failed', `recovery did not finish within ${budgetMs('replay') / 1000} s (budget "replay")`);
    await sleep(100, ctx.signal);
  }
  const endLsn = await withClient(instance.connection('postgres'), async (c) => {
    const r = await c.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
    return r.rows[0]?.lsn ?? undefined;
  });
  const target = ctx.scenario.target;
  if (target.type === 'end-of-archive' && newest && endLsn) {
    const reached = segmentOfLsn(segmentNumber(newest).timeline, endLsn);
    const ok = segmentNumber(reached).n >= segmentNumber(newest).n;
    ctx.recorder.check({
      name: 'replay reached the newest archived WAL segment',
      status: ok ? 'passed' : 'failed',
      ...(ok
        ? {}
        : { message: `replay ended in ${reached} but the archive holds WAL up to ${newest}: it promoted early` }),
      evidence: {
        query: 'SELECT pg_last_wal_replay_lsn()',
        expected: `a position in ${newest} or later`,
        actual: `${endLsn} (${reached})`,
      },
    });
    if (!ok) throw new DrillError('failed', `replay ended in ${reached}, the archive holds WAL up to ${newest}`);
  }
  return {
    ...(endLsn ? { endLsn } : {}),
    description: `replayed to ${describeTarget(target)}${endLsn ? ` (WAL ${endLsn})` : ''} and promoted`,
  };
}

async function recoveryState(instance: PgInstance): Promise<'recovering' | 'promoted' | 'down'> {
  try {
    return await withClient(
      instance.connection('postgres'),
      async (c) =>
        (await c.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec')).rows[0]!.rec ? 'recovering' : 'promoted',
      { connectTimeoutMs: 1000 },
    );
  } catch (err) {
    return /starting up|not yet accepting|consistent recovery state/.test((err as Error).message)
      ? 'recovering'
      : 'down';
  }
}
