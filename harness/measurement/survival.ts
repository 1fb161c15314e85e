import type pg from 'pg';
import type { Baseline } from '../engine/journal.js';
import { quoteIdent } from '../verification/table-probes.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import type { Ack, RowChange } from '../workload/writes.js';

/** What of the workload's writes a database holds now: ledger rows, and the dataset rows writes changed. */
export interface Survival {
  ledger: Set<number>;
  /** table → key → the present row's values of the columns writes updated or use as witnesses. */
  rows: Map<string, Map<string, Record<string, string | null>>>;
  /** Tables that could not be read (e.g. still dropped), with the error. */
  unreadable: Record<string, string>;
}

export async function readSurvival(
  c: pg.Client,
  acks: readonly Ack[],
  baseline: Baseline | undefined,
): Promise<Survival> {
  const ledger = new Set(
    (await c.query<{ seq: string }>(`SELECT seq::text AS seq FROM ${LEDGER_TABLE}`)).rows.map((r) => Number(r.seq)),
  );
  const wanted = new Map<string, { keys: Set<string>; columns: Set<string>; keyColumn?: string }>();
  for (const a of acks)
    for (const ch of a.changes) {
      const w = wanted.get(ch.table) ?? {
        keys: new Set(),
        columns: new Set(),
        ...(ch.keyColumn ? { keyColumn: ch.keyColumn } : {}),
      };
      w.keys.add(ch.key);
      if (ch.column) w.columns.add(ch.column);
      if (ch.witness) w.columns.add(ch.witness.column);
      wanted.set(ch.table, w);
    }
  const rows = new Map<string, Map<string, Record<string, string | null>>>();
  const unreadable: Record<string, string> = {};
  for (const [table, { keys, columns, keyColumn }] of wanted) {
    const integer = baseline?.keys[table] ?? (keyColumn ? undefined : { column: 'id', type: 'bigint' });
    // A user's key that is not the table's integer primary key is compared as text (any type, no index needed).
    const key = integer && (!keyColumn || keyColumn === integer.column) ? integer : undefined;
    const column = key?.column ?? keyColumn!;
    const cols = [...columns].map((col) => `${quoteIdent(col)}::text AS ${quoteIdent(col)}`);
    const sql = `SELECT ${quoteIdent(column)}::text AS key${cols.length ? `, ${cols.join(', ')}` : ''}
                   FROM ${quoteIdent(table)} WHERE ${
                     key
                       ? `${quoteIdent(column)} = ANY($1::text[]::${key.type}[])`
                       : `${quoteIdent(column)}::text = ANY($1::text[])`
                   }`;
    try {
      const r = await c.query<Record<string, string | null>>(sql, [[...keys]]);
      rows.set(table, new Map(r.rows.map(({ key: k, ...values }) => [String(k), values])));
    } catch (err) {
      unreadable[table] = (err as Error).message;
      rows.set(table, new Map());
    }
  }
  return { ledger, rows, unreadable };
}

/** Whether the row a change made or updated is the one in the database now (same key, same witness). */
export function rowOf(survival: Survival, ch: RowChange): Record<string, string | null> | undefined {
  const row = survival.rows.get(ch.table)?.get(ch.key);
  if (!row || (ch.witness && row[ch.witness.column] !== ch.witness.value)) return undefined;
  return row;
}
