import { budgetMs } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';
import type { PgInstance } from './types.js';

/**
 * Waits until the instance accepts connections and answers a query. Stops early, with the log's last lines,
 * when the postmaster exits during startup.
 */
export async function waitUntilAccepting(instance: PgInstance, timeoutMs = budgetMs('startup')): Promise<void> {
  const stopWaiting = new AbortController();
  let exited = false;
  void instance.exited().then(() => {
    exited = true;
    stopWaiting.abort();
  });
  const conn = instance.connection();
  try {
    await retryUntil(
      `${instance.name}: PostgreSQL accepting connections on ${conn.host}:${conn.port}`,
      () =>
        withClient(instance.connection(), async (c) => (await c.query('SELECT 1')).rowCount === 1, {
          connectTimeoutMs: 2000,
        }),
      (ok) => ok,
      { timeoutMs, intervalMs: 100, signal: stopWaiting.signal },
    );
  } catch (err) {
    const log = (await instance.logTail(8)).replace(/\n/g, ' | ');
    if (exited) throw new DrillError('error', `${instance.name}: postgres exited during startup; log: ${log}`);
    throw new DrillError('error', `${(err as Error).message}; log: ${log}`);
  }
}
