import type { WorkloadStatement } from '../scenario/schema.js';
import { quoteIdent } from '../verification/table-probes.js';
import { LEDGER_INSERT_CTE } from './ledger-table.js';
import type { PlannedWrite, RowChange, WriteProfile } from './writes.js';

/**
 * The user's own writes (`workload.statements`). Each write is one statement: the user's INSERT or UPDATE
 * becomes a CTE after the ledger row's, so both commit together, and its RETURNING rows say which rows it
 * wrote (key, witness, value set). RPO then counts lost writes per table of the user's schema exactly as it
 * does for the shop. `$seq` is the write's number.
 */
export function statementsProfile(statements: readonly WorkloadStatement[]): WriteProfile {
  const rotation = statements.flatMap((s) => Array.from({ length: s.weight }, () => s));
  const planned = statements.map((s) => plan(s));
  return {
    name: 'statements',
    tables: [...new Set(statements.map((s) => s.table))],
    next(seq) {
      const statement = rotation[(seq - 1) % rotation.length]!;
      return planned[statements.indexOf(statement)]!;
    },
    acknowledged: () => {},
  };
}

function plan(s: WorkloadStatement): PlannedWrite {
  const op: RowChange['op'] = /^\s*UPDATE\b/i.test(s.sql) ? 'update' : 'insert';
  const user = s.sql
    .trim()
    .replace(/;\s*$/, '')
    .replace(/\$seq\b/g, '$1::bigint');
  const fields = [
    `'key', ${quoteIdent(s.key)}::text`,
    ...(s.witness ? [`'witness', ${quoteIdent(s.witness)}::text`] : []),
    ...(s.sets ? [`'value', ${quoteIdent(s.sets)}::text`] : []),
  ];
  return {
    kind: `${op}:${s.table}`,
    sql: `WITH ${LEDGER_INSERT_CTE},
  w AS (${user})
SELECT ledger.*, (SELECT json_agg(json_build_object(${fields.join(', ')})) FROM w) AS written FROM ledger`,
    params: [],
    changes(row) {
      const written = Array.isArray(row.written) ? (row.written as Record<string, unknown>[]) : [];
      return written
        .filter((w) => typeof w.key === 'string')
        .map((w): RowChange => ({
          table: s.table,
          key: w.key as string,
          keyColumn: s.key,
          op,
          ...(s.witness && typeof w.witness === 'string' ? { witness: { column: s.witness, value: w.witness } } : {}),
          ...(s.sets && typeof w.value === 'string' ? { column: s.sets, value: w.value } : {}),
        }));
    },
  };
}
