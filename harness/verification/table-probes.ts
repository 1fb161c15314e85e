import type pg from 'pg';
import type { Baseline } from '../engine/journal.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import type { Ack } from '../workload/writes.js';

export function quoteIdent(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

/**
 * The rows of a table that existed at baseline time: those whose integer primary key is not above the
 * baseline's largest. The workload only adds rows above it, so this part must come back exactly. A table
 * without an integer primary key (a user's table: a uuid key, no key at all) is whole, less the rows the
 * workload wrote: those written in the transaction of a ledger row (their xmin), which holds even for writes
 * acknowledged after `acks` was taken, and those `acks` name by witness (or key), which holds after a
 * logical restore gave them new transaction ids.
 */
export function baselinePart(keys: Baseline['keys'] | undefined, table: string, acks: readonly Ack[] = []): string {
  const key = keys?.[table];
  if (key) return `${quoteIdent(key.column)} <= ${BigInt(key.max).toString()}`;
  const byLedger = `NOT coalesce(xmin::text::bigint = ANY (SELECT l.txid % 4294967296 FROM ${LEDGER_TABLE} l), false)`;
  const inserted = acks.flatMap((a) => a.changes.filter((c) => c.table === table && c.op === 'insert'));
  if (!inserted.length) return acks.length ? byLedger : 'true';
  const byWitness = inserted.every((c) => c.witness && c.witness.column === inserted[0]!.witness?.column);
  const column = byWitness ? inserted[0]!.witness!.column : (inserted[0]!.keyColumn ?? 'id');
  const values = [...new Set(inserted.map((c) => (byWitness ? c.witness!.value : c.key)))];
  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return `${byLedger} AND NOT coalesce(${quoteIdent(column)}::text = ANY(ARRAY[${values.map(literal).join(',')}]::text[]), false)`;
}

/** Order-independent content fingerprint: row count plus the sum of per-row md5 prefixes. */
export const fingerprintSql = (table: string, where = 'true') =>
  `SELECT count(*)::text AS rows, coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0)::text AS sum FROM ${quoteIdent(table)} t WHERE ${where}`;

export const rowCountSql = (table: string, where = 'true') =>
  `SELECT count(*)::text AS n FROM ${quoteIdent(table)} WHERE ${where}`;

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

export async function rowCount(c: pg.Client, table: string, where?: string): Promise<number> {
  const r = await c.query<{ n: string }>(rowCountSql(table, where));
  return Number(r.rows[0]!.n);
}

export async function fingerprint(c: pg.Client, table: string, where?: string): Promise<string> {
  const r = await c.query<{ rows: string; sum: string }>(fingerprintSql(table, where));
  return `${r.rows[0]!.rows}:${r.rows[0]!.sum}`;
}

export async function sequenceValues(c: pg.Client): Promise<Record<string, string | null>> {
  const r = await c.query<{ name: string; last_value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text FROM pg_sequences ORDER BY 1`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, x.last_value]));
}

/** A table's single-column integer primary key and its largest value, or null when it has none. */
export async function integerKey(
  c: pg.Client,
  table: string,
): Promise<{ column: string; type: string; max: string } | null> {
  const r = await c.query<{ column: string; type: string }>(
    `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = $1::regclass AND i.indisprimary AND i.indnatts = 1
        AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)`,
    [quoteIdent(table)],
  );
  const key = r.rows[0];
  if (!key) return null;
  const max = await c.query<{ max: string | null }>(
    `SELECT max(${quoteIdent(key.column)})::text AS max FROM ${quoteIdent(table)}`,
  );
  return { ...key, max: max.rows[0]!.max ?? '0' };
}
