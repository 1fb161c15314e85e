import { z } from 'zod';
import { DrillError } from '../engine/errors.js';
import { sqlIdentifier } from '../scenario/fields.js';
import { withClient } from '../util/pg-client.js';
import { damagedTables } from './accidental-delete.js';
import { commitStamped } from './commit-stamp.js';
import { defineFault, type FaultRecord } from './types.js';

export const sqlFaultSpec = z.strictObject({
  type: z.literal('sql'),
  statements: z
    .array(z.string().min(1))
    .min(1)
    .describe("the user's own destructive statements, run in one transaction, e.g. a migration that went wrong"),
  damages: z
    .array(sqlIdentifier)
    .min(1)
    .describe('the tables the statements damage: verification must prove each back (a fingerprint or a SQL check)'),
});

/**
 * Any statements the user gives, in one transaction while the workload writes, stamped like an accidental
 * DELETE (txid, LSN before and after, commit time) so a PITR can stop just before it. What they damage is
 * what the scenario names; detection requires at least one of those tables to have lost or changed rows.
 */
export const sqlFault = defineFault<z.output<typeof sqlFaultSpec>>({
  damage: (spec) => spec.damages.map((name) => ({ kind: 'table', name, content: true })),
  validate: (_spec, scenario) =>
    !scenario.backup.length && scenario.recovery.procedure !== 'none'
      ? ['needs a backup to recover from (backup: [{ method: basebackup }], dump or pgbackrest)']
      : [],
  async inject(drill, spec) {
    return withClient(drill.db(), async (c) => {
      await c.query('BEGIN');
      const tx = await c.query<{ txid: string; lsn: string }>(
        'SELECT txid_current()::text AS txid, pg_current_wal_insert_lsn()::text AS lsn',
      );
      let rows = 0;
      try {
        for (const statement of spec.statements) rows += (await c.query(statement)).rowCount ?? 0;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw new DrillError('invalid-config', `fault.statements: ${(err as Error).message}`);
      }
      const { txid, lsn: lsnBefore } = tx.rows[0]!;
      // The rows are gone for everyone when the transaction commits: that is the destructive moment.
      const { at, ...stamp } = await commitStamped(c, txid);
      const record: FaultRecord = {
        at,
        description: `${spec.statements.length} statement(s) damaging ${spec.damages.join(', ')} (txid ${txid}, ${rows} rows)`,
        damaged: spec.damages.map((name) => ({ kind: 'table', name, content: true })),
        txid,
        lsnBefore,
        ...stamp,
        tables: [...spec.damages],
        sql: spec.statements.join('; '),
        rowsAffected: rows,
      };
      return record;
    });
  },
  async detect(drill, spec) {
    const damaged = await damagedTables(drill, spec.damages);
    const seen = spec.damages.filter((t) => damaged[t]);
    drill.recorder.check({
      name: `damage detected in ${spec.damages.join(', ')}`,
      status: seen.length ? 'passed' : 'failed',
      ...(seen.length
        ? {}
        : { message: 'the statements changed none of the tables they name: there is nothing to recover' }),
      evidence: {
        query: 'count and fingerprint of the baseline part of each named table',
        expected: Object.fromEntries(spec.damages.map((t) => [t, drill.baseline?.fingerprints[t] ?? null])),
        actual: damaged,
      },
    });
    if (!seen.length) throw new DrillError('failed', 'the sql fault had no visible effect on the tables it names');
  },
});
