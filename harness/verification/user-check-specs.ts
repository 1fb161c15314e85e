import { z } from 'zod';
import { secretRef, sqlIdentifier } from '../scenario/fields.js';

/**
 * Verify steps in the user's own terms: a SQL assertion, and row counts compared with a reference database.
 * Shared by drills and restore tests; this file imports no harness code so both schemas can use it.
 */

const EXPECT = /^\s*(<=|>=|==|!=|<|>|=)\s*(-?\d+(?:\.\d+)?)\s*$/;

export const sqlAssertionSpec = z.strictObject({
  sql: z
    .string()
    .min(1)
    .describe('a query whose first column of the first row is compared, e.g. SELECT count(*) FROM users'),
  expect: z
    .union([
      z.string().regex(EXPECT, 'a comparison such as "> 1000" or "= 0"'),
      z.strictObject({ equals: z.union([z.string(), z.number()]).describe('the exact value, compared as text') }),
    ])
    .describe('"> 1000" (numeric comparison) or { equals: "..." }'),
  tables: z
    .array(sqlIdentifier)
    .min(1)
    .optional()
    .describe('the tables the query reads; default: those named after FROM and JOIN'),
  database: z
    .string()
    .min(1)
    .optional()
    .describe('the database to run it in (restore tests); default: the checked one'),
  name: z.string().min(1).optional().describe('how the check is named in reports'),
});

const compareTable = z.union([
  sqlIdentifier,
  z.strictObject({
    table: sqlIdentifier,
    where: z
      .string()
      .min(1)
      .optional()
      .describe("rows to compare on both sides, e.g. created_at <= '{backupTime}' (the restored backup's time)"),
  }),
]);

export const compareWithSpec = z.strictObject({
  compareWith: secretRef.describe(
    'the environment variable holding the reference database DSN (e.g. production); it is only read, read-only',
  ),
  tables: z.array(compareTable).min(1).describe('tables whose row counts must match the reference'),
  tolerance: z
    .union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage such as "1%"')])
    .default(0)
    .describe('allowed difference per table: a row count, or a percentage of the reference count'),
  database: z.string().min(1).optional().describe('the restored database to compare (restore tests)'),
});

export type SqlAssertionSpec = z.output<typeof sqlAssertionSpec>;
export type CompareWithSpec = z.output<typeof compareWithSpec>;

/** The comparison of an expect string, or undefined for { equals }. */
export function parseExpect(expect: string): { op: '<' | '<=' | '=' | '!=' | '>=' | '>'; value: number } {
  const m = EXPECT.exec(expect);
  if (!m) throw new Error(`"${expect}" is not a comparison`);
  const op = m[1] === '==' ? '=' : (m[1] as '<' | '<=' | '=' | '!=' | '>=' | '>');
  return { op, value: Number(m[2]) };
}

/** Tables a query reads, as named after FROM and JOIN (schema-qualified names kept). */
export function tablesRead(sql: string): string[] {
  const out = new Set<string>();
  const stripped = sql.replace(/'(?:[^']|'')*'/g, "''");
  for (const m of stripped.matchAll(
    /\b(?:FROM|JOIN)\s+(?:ONLY\s+)?("?[A-Za-z_][\w$]*"?(?:\."?[A-Za-z_][\w$]*"?)?)/gi,
  )) {
    const name = m[1]!.replace(/"/g, '');
    if (!/^(select|lateral|unnest|generate_series)$/i.test(name)) out.add(name);
  }
  return [...out];
}

/** The tables a step checks: declared, else parsed from its SQL. */
export function assertionTables(step: SqlAssertionSpec): string[] {
  return step.tables ?? tablesRead(step.sql);
}

export function compareTables(step: CompareWithSpec): { table: string; where?: string }[] {
  return step.tables.map((t) => (typeof t === 'string' ? { table: t } : t));
}
