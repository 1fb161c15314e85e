import pg from 'pg';
import type { ConnectionInfo } from '../environments/types.js';
import { LEDGER_TABLE } from '../ledger/ledger-table.js';

export function quoteIdent(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

/** Order-independent content fingerprint: row count plus the sum of per-row md5 prefixes. */
export const fingerprintSql = (table: string) =>
  `SELECT count(*)::text AS rows, coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0)::text AS sum FROM ${quoteIdent(table)} t`;

export async function withClient<T>(conn: ConnectionInfo, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...conn, connectionTimeoutMillis: 5000 });
  // A server that goes away (a fault, a teardown) must fail the pending query, not crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** User tables of the drill database, excluding the ledger (it changes during the drill by design). */
export async function listTables(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ name: string }>(
    `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        AND c.relname <> $1 ORDER BY 1`,
    [LEDGER_TABLE],
  );
  return r.rows.map((x) => x.name);
}

export async function rowCount(c: pg.Client, table: string): Promise<number> {
  const r = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteIdent(table)}`);
  return Number(r.rows[0]!.n);
}

export async function fingerprint(c: pg.Client, table: string): Promise<string> {
  const r = await c.query<{ rows: string; sum: string }>(fingerprintSql(table));
  return `${r.rows[0]!.rows}:${r.rows[0]!.sum}`;
}

export async function sequenceValues(c: pg.Client): Promise<Record<string, string | null>> {
  const r = await c.query<{ name: string; last_value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text FROM pg_sequences ORDER BY 1`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, x.last_value]));
}
