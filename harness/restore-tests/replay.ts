import { DrillError } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import { recoveryTargetSettings } from '../restore/recovery-settings.js';
import { lastReplayedLsn, startAndAwaitReplay } from '../restore/await-replay.js';
import { withClient } from '../util/pg-client.js';
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
  await startAndAwaitReplay(instance, 'promoted', ctx.signal);
  const endLsn = await withClient(instance.connection('postgres'), lastReplayedLsn);
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
