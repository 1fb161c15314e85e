import type pg from 'pg';
import { listTables, rowCount } from '../verification/table-probes.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';

/** Row counts of every table of the source (and the ledger) on both sides. */
export async function rowCountsOldAndNew(
  source: pg.Client,
  target: pg.Client,
): Promise<Record<string, { source: number; target: number | string }>> {
  const out: Record<string, { source: number; target: number | string }> = {};
  for (const t of [...(await listTables(source)), LEDGER_TABLE])
    out[t] = {
      source: await rowCount(source, t),
      target: await rowCount(target, t).catch((err: Error) => `error: ${err.message}`),
    };
  return out;
}
