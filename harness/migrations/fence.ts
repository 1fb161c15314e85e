import { budgetMs } from '../engine/budgets.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';
import type { Migration } from './context.js';

const PROBE = 'INSERT INTO drdrill_ledger (seq) VALUES (-1)';

/** What a fresh session gets when it writes to the source: undefined if the write went through. */
async function probeWrite(m: Migration): Promise<string | undefined> {
  return withClient(m.db(m.source), (c) =>
    c.query(`BEGIN; ${PROBE}; ROLLBACK`).then(
      () => undefined,
      (err: Error & { code?: string }) => `${err.code ?? ''} ${err.message}`.trim(),
    ),
  );
}

/**
 * Makes every transaction on the source read-only (or writable again): the setting is reloaded, a fresh
 * session is seen to get it, and sessions that were open are ended so none keeps writing.
 * Returns what a write met.
 */
export async function setReadOnly(m: Migration, on: boolean): Promise<string> {
  await withClient(m.db(m.source), async (c) => {
    await c.query(
      on ? 'ALTER SYSTEM SET default_transaction_read_only = on' : 'ALTER SYSTEM RESET default_transaction_read_only',
    );
    await c.query('SELECT pg_reload_conf()');
  });
  const refused = (r: string | undefined) => r !== undefined && r.startsWith('25006');
  const result = await retryUntil(
    'the source to take the read-only setting',
    () => probeWrite(m),
    (r) => refused(r) === on,
    {
      timeoutMs: budgetMs('connect'),
      intervalMs: 20,
      signal: m.signal,
    },
  ).catch((err: Error) => `not applied: ${err.message}`);
  await withClient(m.db(m.source), (c) =>
    c.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND application_name NOT LIKE 'drdrill-migration%'`,
    ),
  );
  return result ?? 'accepted';
}

/**
 * Decommissions the old database the way a drill can: read-only for every session, the open ones ended,
 * and a write proven refused.
 */
export async function fenceSource(m: Migration): Promise<void> {
  const refused = await setReadOnly(m, true);
  const ok = refused.startsWith('25006');
  m.recorder.check({
    name: 'the source is fenced read-only (decommissioned)',
    status: ok ? 'passed' : 'failed',
    ...(ok ? {} : { message: `a write to the source was ${refused}` }),
    evidence: {
      command: 'ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf()',
      query: PROBE,
      expected: 'ERROR 25006: cannot execute INSERT in a read-only transaction',
      actual: refused,
    },
  });
  m.recorder.event('fence', 'the source is read-only: writes to it are refused');
}
