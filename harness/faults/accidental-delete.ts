import type pg from 'pg';
import { z } from 'zod';
import type { Drill } from '../engine/context.js';
import type { Recorder } from '../engine/recorder.js';
import { DrillError } from '../engine/errors.js';
import { lostWrites } from '../measurement/rpo.js';
import { readSurvival } from '../measurement/survival.js';
import { withClient } from '../util/pg-client.js';
import { baselinePart, fingerprint, rowCount } from '../verification/table-probes.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import { sqlStatements } from '../scenario/sql-statements.js';
import { archiveDamageFields, archiveDamageProblems, damageArchive } from './archive-damage.js';
import { commitStamped } from './commit-stamp.js';
import { defineFault, type Damage, type FaultRecord } from './types.js';

export const accidentalDeleteSpec = z.strictObject({
  type: z.literal('accidental-delete'),
  sql: z
    .string()
    .regex(/^\s*(DELETE|DROP\s+TABLE|TRUNCATE|UPDATE)\b/i, 'a DELETE, DROP TABLE, TRUNCATE or UPDATE statement')
    .superRefine(oneStatement)
    .describe('the statement run by mistake, e.g. DELETE FROM customers, or an UPDATE that forgot its WHERE'),
  ...archiveDamageFields,
});

/** The fault runs exactly what it names: a second statement (`DELETE ...; DROP DATABASE ...`) is refused. */
function oneStatement(sql: string, ctx: z.RefinementCtx): void {
  const statements = sqlStatements(sql);
  if (statements.length > 1)
    ctx.addIssue({
      code: 'custom',
      message: `must be one statement; it has ${statements.length}: ${statements.map((s) => JSON.stringify(s)).join(', ')}`,
    });
}

/** The table a DELETE / DROP TABLE / TRUNCATE / UPDATE statement names. */
export function targetTable(sql: string): string {
  const m =
    /^\s*(?:DELETE\s+FROM|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?|UPDATE)\s+(?:ONLY\s+)?("?[A-Za-z_][\w.]*"?)/i.exec(
      sql,
    );
  if (!m) throw new DrillError('invalid-config', `fault.sql: cannot tell which table "${sql}" changes`);
  return m[1]!.replace(/"/g, '');
}

/**
 * Runs the destructive statement an operator runs by mistake, in its own transaction while the workload
 * keeps writing, and records its txid, the LSN before it, its commit LSN and commit time.
 */
export const accidentalDelete = defineFault<z.output<typeof accidentalDeleteSpec>>({
  damage: (spec) => {
    try {
      return [tableDamage(spec.sql, targetTable(spec.sql))];
    } catch {
      return [];
    }
  },
  validate(spec, scenario) {
    const problems: string[] = [];
    try {
      targetTable(spec.sql);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (!scenario.backup.length && scenario.recovery.procedure !== 'none')
      problems.push('needs a backup to recover from (backup: [{ method: basebackup }], dump or pgbackrest)');
    problems.push(...archiveDamageProblems(spec, scenario));
    return problems;
  },
  async inject(drill, spec) {
    const table = targetTable(spec.sql);
    const record = await withClient(drill.db(), async (c) => {
      const { tx, result } = await destroy(c, spec.sql, drill.recorder);
      const { txid, lsn: lsnBefore } = tx.rows[0]!;
      // The rows are gone for everyone when the transaction commits: that is the destructive moment.
      const { at, ...stamp } = await commitStamped(c, txid);
      const record: FaultRecord = {
        at,
        description: `${spec.sql.trim()} (txid ${txid}${result.rowCount !== null ? `, ${result.rowCount} rows` : ''})`,
        damaged: [tableDamage(spec.sql, table)],
        txid,
        lsnBefore,
        ...stamp,
        tables: [table],
        sql: spec.sql,
        rowsAffected: result.rowCount,
      };
      return record;
    });
    return { ...record, ...(await damageArchive(drill, spec)) };
  },
  async detect(drill, spec) {
    const table = targetTable(spec.sql);
    const damaged = await damagedTables(drill, /^\s*UPDATE\b/i.test(spec.sql) ? [table] : []);
    const seen = Object.keys(damaged).length > 0;
    drill.recorder.check({
      name: `data loss detected in ${table}`,
      status: seen ? 'passed' : 'failed',
      ...(seen
        ? {}
        : { message: `"${spec.sql}" changed nothing the baseline or the workload wrote: there is nothing to recover` }),
      evidence: {
        query: 'SELECT count(*) FROM <each baseline table> WHERE <key> <= <baseline max>; workload rows by key',
        expected: drill.baseline?.rowCounts ?? {},
        actual: damaged,
      },
    });
    if (!seen) throw new DrillError('failed', `the fault "${spec.sql}" had no visible effect`);
    // A cascade reaches further than the statement names: every table that lost rows is damage to prove back.
    const tables = [table, ...Object.keys(damaged).filter((t) => t !== table)];
    if (drill.fault)
      drill.fault = {
        ...drill.fault,
        tables,
        damaged: tables.map((name) => tableDamage(name === table ? spec.sql : '', name)),
      };
  },
});

/**
 * Runs the statement in its own transaction, up to the COMMIT. A DROP or TRUNCATE takes exclusive locks while
 * the application writes to the same tables, so it can deadlock with it; PostgreSQL then cancels one of the two,
 * and the operator runs the statement again, as this does.
 */
async function destroy(
  c: pg.Client,
  sql: string,
  recorder: Recorder,
): Promise<{ tx: pg.QueryResult<{ txid: string; lsn: string }>; result: pg.QueryResult }> {
  for (let attempt = 1; ; attempt++) {
    await c.query('BEGIN');
    try {
      const tx = await c.query<{ txid: string; lsn: string }>(
        'SELECT txid_current()::text AS txid, pg_current_wal_insert_lsn()::text AS lsn',
      );
      return { tx, result: await c.query(sql) };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      recorder.event('fault', `"${sql}" deadlocked with the workload (attempt ${attempt}); running it again`);
    }
  }
}

/** An UPDATE changes rows instead of removing them: only their content proves them back. */
function tableDamage(sql: string, name: string): Damage {
  return /^\s*UPDATE\b/i.test(sql) ? { kind: 'table', name, content: true } : { kind: 'table', name };
}

/**
 * Tables whose baseline rows or acknowledged workload rows are gone or changed now, with what was seen. Rows
 * an UPDATE changed keep their count: the fingerprint of the baseline part shows them.
 */
export async function damagedTables(
  drill: Drill,
  changedOnly: readonly string[] = [],
): Promise<Record<string, string>> {
  const baseline = drill.baseline;
  const out: Record<string, string> = {};
  await withClient(drill.db(), async (c) => {
    for (const [t, n] of Object.entries(baseline?.rowCounts ?? {})) {
      try {
        const part = baselinePart(baseline?.keys, t, drill.workload.acks);
        const count = await rowCount(c, t, part);
        if (count !== n) out[t] = `${count} of ${n} baseline rows`;
        else if (changedOnly.includes(t) && (await fingerprint(c, t, part)) !== baseline?.fingerprints[t])
          out[t] = `${count} baseline rows, their content changed (fingerprint differs)`;
      } catch (err) {
        out[t] = `error: ${(err as Error).message}`;
      }
    }
    // Baseline rows gone say enough; only a statement that spared them needs the workload's rows read.
    if (Object.keys(out).length) return;
    const acks = [...drill.workload.acks];
    const survival = await readSurvival(c, acks, baseline);
    for (const lost of lostWrites(acks, survival, undefined, { writerRunning: true }))
      for (const t of lost.tables)
        if (t !== LEDGER_TABLE && !out[t])
          out[t] = survival.unreadable[t] ? `error: ${survival.unreadable[t]}` : 'acknowledged workload rows missing';
  });
  return out;
}
