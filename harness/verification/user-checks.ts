import type { Recorder } from '../engine/recorder.js';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { ConnectionInfo } from '../environments/types.js';
import { compare } from '../scenario/objectives.js';
import { budgetMs } from '../engine/budgets.js';
import { registerSecret } from '../util/logger.js';
import { withClient } from '../util/pg-client.js';
import { quoteIdent } from './table-probes.js';
import {
  assertionTables,
  compareTables,
  parseExpect,
  type CompareWithSpec,
  type SqlAssertionSpec,
} from './user-check-specs.js';

/** Where a user check runs: the database it reads, and values its SQL may name ({backupTime}). */
export interface CheckTarget {
  recorder: Recorder;
  conn: ConnectionInfo;
  substitutions?: Record<string, string>;
}

function substitute(text: string, values: Record<string, string> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `{ sql, expect }`: the first column of the first row compared with the expectation. */
export async function verifySqlAssertion(target: CheckTarget, step: SqlAssertionSpec): Promise<void> {
  const sql = substitute(step.sql, target.substitutions);
  const tables = assertionTables(step);
  const expected = typeof step.expect === 'string' ? step.expect.trim() : `= ${JSON.stringify(step.expect.equals)}`;
  let actual: string | null;
  try {
    actual = await withClient(target.conn, async (c) => {
      const r = await c.query<unknown[]>({ text: sql, rowMode: 'array' });
      const row = r.rows[0];
      const value = row?.[0];
      if (value === undefined || value === null) return null;
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
      return JSON.stringify(value);
    });
  } catch (err) {
    target.recorder.check({
      name: step.name ?? `SQL: ${sql}`,
      status: 'failed',
      message: `the query failed: ${errorMessage(err)}`,
      covers: tables,
      evidence: { query: sql, expected },
    });
    return;
  }
  let ok: boolean;
  if (typeof step.expect === 'string') {
    const { op, value } = parseExpect(step.expect);
    ok = actual !== null && Number.isFinite(Number(actual)) && compare(Number(actual), op, value);
  } else ok = actual === String(step.expect.equals);
  target.recorder.check({
    name: step.name ?? `SQL: ${sql} ${expected}`,
    status: ok ? 'passed' : 'failed',
    ...(ok ? {} : { message: `expected ${expected}, got ${actual ?? 'no value'}` }),
    covers: tables,
    evidence: { query: sql, expected, actual },
  });
}

/**
 * `{ compareWith: { env: DSN }, tables }`: row counts of the checked database against a reference, e.g.
 * production, as the seed's backup verification compares them. The reference is only read: its session is
 * read-only (default_transaction_read_only) with a statement timeout, and nothing is written to it.
 */
export async function verifyCompareWith(target: CheckTarget, step: CompareWithSpec): Promise<void> {
  const dsn = process.env[step.compareWith.env];
  if (!dsn)
    throw new DrillError('missing-prerequisite', `compareWith.env names ${step.compareWith.env}, which is not set`);
  registerSecret(dsn);
  for (const part of dsnSecrets(dsn)) registerSecret(part);
  const tables = compareTables(step).map((t) => ({
    ...t,
    ...(t.where ? { where: substitute(t.where, target.substitutions) } : {}),
  }));
  const countSql = (t: { table: string; where?: string }) =>
    `SELECT count(*)::text AS n FROM ${quoteIdent(t.table)}${t.where ? ` WHERE ${t.where}` : ''}`;
  const count = async (conn: Parameters<typeof withClient>[0], readOnly: boolean) => {
    const out: (number | string)[] = [];
    await withClient(
      conn,
      async (c) => {
        if (readOnly) {
          const ro = await c.query<{ ro: string }>("SELECT current_setting('default_transaction_read_only') AS ro");
          if (ro.rows[0]?.ro !== 'on') throw new Error('the reference session is not read-only; refusing to use it');
        }
        for (const t of tables)
          out.push(
            await c
              .query<{ n: string }>(countSql(t))
              .then((r) => Number(r.rows[0]!.n))
              .catch((err: Error) => `error: ${err.message}`),
          );
      },
      readOnly ? { readOnly: true, statementTimeoutMs: budgetMs('statement') } : {},
    );
    return out;
  };
  const reference = await count({ connectionString: dsn }, true).catch((err: unknown) => {
    throw new DrillError('error', `compareWith: cannot read the reference database: ${errorMessage(err)}`);
  });
  const restored = await count(target.conn, false);
  for (const [i, t] of tables.entries()) {
    const ref = reference[i]!;
    const got = restored[i]!;
    const allowed =
      typeof ref === 'number'
        ? typeof step.tolerance === 'number'
          ? step.tolerance
          : Math.floor((ref * Number(step.tolerance.slice(0, -1))) / 100)
        : 0;
    const ok = typeof ref === 'number' && typeof got === 'number' && Math.abs(ref - got) <= allowed;
    target.recorder.check({
      name: `row count of ${t.table} matches the reference${t.where ? ` (${t.where})` : ''}`,
      status: ok ? 'passed' : 'failed',
      ...(ok
        ? {}
        : {
            message:
              typeof ref !== 'number'
                ? `${t.table}: the reference could not be counted (${ref})`
                : `${t.table}: ${got} rows restored, ${ref} in the reference (tolerance ${allowed})`,
          }),
      covers: [t.table],
      evidence: {
        query: countSql(t),
        expected: { reference: ref, tolerance: allowed },
        actual: got,
        reference: 'read-only session (default_transaction_read_only = on)',
      },
    });
  }
}

/** The password and user of a DSN, so they are redacted wherever they might appear. */
function dsnSecrets(dsn: string): string[] {
  try {
    const url = new URL(dsn);
    return [decodeURIComponent(url.password)].filter((s) => s.length > 3);
  } catch {
    return [...dsn.matchAll(/password\s*=\s*(\S+)/gi)].map((m) => m[1]!).filter((s) => s.length > 3);
  }
}
