import type pg from 'pg';
import { now } from '../util/clock.js';

/**
 * Commits the fault's open transaction and stamps it the way a point-in-time recovery needs: the moment on
 * the harness clock (the damage is visible to everyone from the COMMIT), the WAL position after it, and
 * PostgreSQL's own commit time (track_commit_timestamp).
 */
export async function commitStamped(
  c: pg.Client,
  txid: string,
): Promise<{ at: number; lsn: string; commitTime?: string; commitAt?: number }> {
  const at = now();
  await c.query('COMMIT');
  const after = await c.query<{ lsn: string; committed: string | null; committed_ms: number | null }>(
    `SELECT pg_current_wal_insert_lsn()::text AS lsn, pg_xact_commit_timestamp($1::text::xid)::text AS committed,
            (extract(epoch FROM pg_xact_commit_timestamp($1::text::xid)) * 1000)::float8 AS committed_ms`,
    [txid],
  );
  const { lsn, committed, committed_ms: commitAt } = after.rows[0]!;
  return {
    at,
    lsn,
    ...(committed && commitAt !== null ? { commitTime: committed, commitAt: Math.floor(commitAt) } : {}),
  };
}
