import type { FaultRecord } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import { quoteIdent, rowCount, withClient } from '../verification/table-probes.js';
import { damageArchive } from './archive-damage.js';
import type { FaultDefinition } from './types.js';

/** The table a DELETE / DROP TABLE / TRUNCATE statement names. */
export function targetTable(sql: string): string {
  const m =
    /^\s*(?:DELETE\s+FROM|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?("?[A-Za-z_][\w.]*"?)/i.exec(
      sql,
    );
  if (!m) throw new DrillError('invalid-config', `fault.sql: cannot tell which table "${sql}" changes`);
  return m[1]!.replace(/"/g, '');
}

/**
 * Runs the destructive statement an operator runs by mistake, in its own transaction while the ledger keeps
 * writing, and records its txid, the LSN before it, its commit LSN and commit time.
 */
export const accidentalDelete: FaultDefinition<'accidental-delete'> = {
  type: 'accidental-delete',
  validate(spec, scenario) {
    const problems: string[] = [];
    try {
      targetTable(spec.sql);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (!scenario.backup.length && scenario.recovery.procedure !== 'none')
      problems.push('needs a backup to recover from (backup: [{ method: basebackup }], dump or pgbackrest)');
    return problems;
  },
  async inject(ctx, spec) {
    const table = targetTable(spec.sql);
    const record = await withClient(ctx.db(), async (c) => {
      const before = await c.query<{ relfilenode: string; datoid: string }>(
        `SELECT pg_relation_filenode($1::regclass)::text AS relfilenode, (SELECT oid FROM pg_database WHERE datname = current_database())::text AS datoid`,
        [quoteIdent(table)],
      );
      await c.query('BEGIN');
      const tx = await c.query<{ txid: string; lsn: string }>(
        'SELECT txid_current()::text AS txid, pg_current_wal_insert_lsn()::text AS lsn',
      );
      const result = await c.query(spec.sql);
      await c.query('COMMIT');
      const at = Date.now();
      const { txid, lsn: lsnBefore } = tx.rows[0]!;
      const after = await c.query<{ lsn: string; committed: string | null; committed_ms: number | null }>(
        `SELECT pg_current_wal_insert_lsn()::text AS lsn, pg_xact_commit_timestamp($1::text::xid)::text AS committed,
                (extract(epoch FROM pg_xact_commit_timestamp($1::text::xid)) * 1000)::float8 AS committed_ms`,
        [txid],
      );
      const { committed, committed_ms: commitAt } = after.rows[0]!;
      const record: FaultRecord = {
        at,
        description: `${spec.sql.trim()} (txid ${txid}${result.rowCount !== null ? `, ${result.rowCount} rows` : ''})`,
        txid,
        lsnBefore,
        lsn: after.rows[0]!.lsn,
        ...(committed && commitAt !== null ? { commitTime: committed, commitAt: Math.floor(commitAt) } : {}),
        tables: [table],
        relfilenode: before.rows[0]!.relfilenode,
        databaseOid: before.rows[0]!.datoid,
        sql: spec.sql,
        rowsAffected: result.rowCount,
      };
      return record;
    });
    return { ...record, ...(await damageArchive(ctx, spec)) };
  },
  async detect(ctx, spec) {
    const table = targetTable(spec.sql);
    const expected = ctx.baseline?.rowCounts ?? {};
    await withClient(ctx.db(), async (c) => {
      const damaged: Record<string, string | number> = {};
      for (const [t, n] of Object.entries(expected)) {
        try {
          const count = await rowCount(c, t);
          if (count !== n) damaged[t] = count;
        } catch (err) {
          damaged[t] = `error: ${(err as Error).message}`;
        }
      }
      const seen = Object.keys(damaged).length > 0;
      ctx.recorder.check({
        name: `data loss detected in ${table}`,
        status: seen ? 'passed' : 'failed',
        ...(seen ? {} : { message: `"${spec.sql}" changed nothing the baseline covers: there is nothing to recover` }),
        evidence: { query: 'SELECT count(*) FROM <each baseline table>', expected, actual: damaged },
      });
      if (!seen) throw new DrillError('failed', `the fault "${spec.sql}" had no visible effect`);
    });
  },
};
