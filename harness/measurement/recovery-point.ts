import type { PgInstance } from '../environments/types.js';
import { withClient } from '../util/pg-client.js';

/**
 * What a recovery promised to keep: every write committed before `lsn` (server WAL position). For a PITR it
 * is where replay stopped at the target; for a rebuild, the end of the replayed archive; for a failover, the
 * standby's replay position; for a dump, the WAL position when pg_dump started. `tables` narrows the promise
 * to the tables a selective restore brought back; other tables keep every write.
 */
export interface RecoveryPoint {
  lsn: string;
  description: string;
  tables?: string[];
}

/**
 * Where the recovery of a promoted instance ended, from its timeline history file (written at promotion):
 * its last line is `<parent timeline> <switch LSN> <reason>`.
 */
export async function timelineSwitch(instance: PgInstance): Promise<{ timeline: number; lsn: string; reason: string }> {
  const tli = await withClient(instance.connection('postgres'), async (c) => {
    const r = await c.query<{ tli: string }>(`SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) AS tli`);
    return r.rows[0]!.tli;
  });
  const history = (await instance.readFile(`pg_wal/${tli}.history`)).toString('utf8');
  const last = history
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .at(-1);
  const m = last ? /^(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)\s*(.*)$/.exec(last) : null;
  if (!m) throw new Error(`${instance.name}: pg_wal/${tli}.history has no switch point (${history.slice(0, 200)})`);
  return { timeline: parseInt(tli, 16), lsn: m[2]!, reason: m[3] ?? '' };
}
