import type pg from 'pg';
import { quoteIdent } from '../verification/table-probes.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import { tableColumns } from './copy.js';

/** Rows of one table that differ between old and new: missing on the new, extra on it, or changed. */
export interface RowDiff {
  missing: string[];
  extra: string[];
  changed: string[];
}

export function divergentCount(d: RowDiff): number {
  return d.missing.length + d.extra.length + d.changed.length;
}

/**
 * The ledger's server stamps (txid, WAL position, timeline) are each server's own; the ledger's rows are
 * compared by seq only.
 */
function digestSql(table: string, key: string): string {
  const row = table === LEDGER_TABLE ? 't.seq::text' : 't::text';
  return `SELECT ${quoteIdent(key)}::text AS k, md5(${row}) AS d FROM ${quoteIdent(table)} t`;
}

/** Key by key, which rows of a table differ between two databases (each client may be in its own snapshot). */
export async function diffRows(source: pg.Client, target: pg.Client, table: string): Promise<RowDiff> {
  const key = table === LEDGER_TABLE ? 'seq' : 'id';
  const read = async (c: pg.Client) =>
    new Map((await c.query<{ k: string; d: string }>(digestSql(table, key))).rows.map((r) => [r.k, r.d]));
  const [a, b] = [await read(source), await read(target)];
  const out: RowDiff = { missing: [], extra: [], changed: [] };
  for (const [k, d] of a) {
    const other = b.get(k);
    if (other === undefined) out.missing.push(k);
    else if (other !== d) out.changed.push(k);
  }
  for (const k of b.keys()) if (!a.has(k)) out.extra.push(k);
  return out;
}

/**
 * Copies rows by key from one database to another in one statement: inserted when absent, replaced when
 * `replace` (else kept). The caller holds the source rows locked while it runs, so no write slips between.
 */
export async function copyRows(
  from: pg.Client,
  to: pg.Client,
  table: string,
  keys: string[],
  opts: { replace: boolean; lock: boolean },
): Promise<number> {
  if (!keys.length) return 0;
  const key = table === LEDGER_TABLE ? 'seq' : 'id';
  const rows = await from.query<{ row: unknown }>(
    `SELECT to_jsonb(t) AS row FROM ${quoteIdent(table)} t WHERE ${quoteIdent(key)} = ANY($1::bigint[])${opts.lock ? ' FOR UPDATE' : ''}`,
    [keys],
  );
  if (!rows.rows.length) return 0;
  const columns = (await tableColumns(to, table)).map(quoteIdent);
  const others = columns.filter((c) => c !== quoteIdent(key));
  const onConflict = opts.replace
    ? `DO UPDATE SET (${others.join(', ')}) = ROW(${others.map((c) => `EXCLUDED.${c}`).join(', ')})`
    : 'DO NOTHING';
  const r = await to.query(
    `INSERT INTO ${quoteIdent(table)} (${columns.join(', ')})
     SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${quoteIdent(table)}, $1::jsonb)
     ON CONFLICT (${quoteIdent(key)}) ${onConflict}`,
    [JSON.stringify(rows.rows.map((x) => x.row))],
  );
  return r.rowCount ?? 0;
}
