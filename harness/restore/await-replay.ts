import type pg from 'pg';
import { budgetMs } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';

export type RecoveryState = 'recovering' | 'paused' | 'promoted' | 'down';

/**
 * Starts a restored data directory in recovery and waits until replay ends: paused at its target or promoted.
 * A FATAL or PANIC in the server log, or the server exiting, ends it as a failure; so does the replay budget.
 */
export async function startAndAwaitReplay(
  instance: PgInstance,
  want: 'paused' | 'promoted',
  signal: AbortSignal,
): Promise<void> {
  await instance.start({ waitReady: false });
  let exited = false;
  void instance.exited().then(() => {
    exited = true;
  });
  const deadline = now() + budgetMs('replay');
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const state = await recoveryState(instance);
    if (state === want) return;
    if (exited || state === 'down') {
      const fatal = (await instance.logTail(400))
        .split('\n')
        .filter((l) => /FATAL|PANIC/.test(l))
        .slice(-2)
        .join(' | ');
      if (exited || fatal)
        throw new DrillError('failed', `recovery of ${instance.name} stopped: ${fatal || 'postgres exited'}`);
    }
    if (now() > deadline)
      throw new DrillError(
        'failed',
        `recovery of ${instance.name} did not finish within ${budgetMs('replay') / 1000} s (budget "replay")`,
      );
    await sleep(100, signal);
  }
}

export async function recoveryState(instance: PgInstance): Promise<RecoveryState> {
  try {
    return await withClient(
      instance.connection('postgres'),
      async (c) => {
        const r = await c.query<{ rec: boolean; pause: string }>(
          `SELECT pg_is_in_recovery() AS rec, CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE '' END AS pause`,
        );
        const row = r.rows[0]!;
        return !row.rec ? 'promoted' : row.pause === 'paused' ? 'paused' : 'recovering';
      },
      { connectTimeoutMs: 1000 },
    );
  } catch (err) {
    // Starting up and replaying: connections are refused until the server is consistent.
    return /starting up|not yet accepting|consistent recovery state/.test((err as Error).message)
      ? 'recovering'
      : 'down';
  }
}

/** The end of the last WAL record replayed; it stays set after promotion. */
export async function lastReplayedLsn(c: pg.Client): Promise<string | undefined> {
  const r = await c.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
  return r.rows[0]?.lsn ?? undefined;
}
