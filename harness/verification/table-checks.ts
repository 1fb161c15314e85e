import type { DrillContext } from '../engine/context.js';
import { fingerprint, fingerprintSql, quoteIdent, rowCount, sequenceValues, withClient } from './table-probes.js';

function requireBaseline(ctx: DrillContext) {
  if (!ctx.baseline) throw new Error('no baseline was taken before the fault');
  return ctx.baseline;
}

export async function verifyRowCounts(ctx: DrillContext): Promise<void> {
  const baseline = requireBaseline(ctx);
  await withClient(ctx.db(), async (c) => {
    for (const [table, expected] of Object.entries(baseline.rowCounts)) {
      const query = `SELECT count(*) FROM ${quoteIdent(table)}`;
      let actual: number | string;
      try {
        actual = await rowCount(c, table);
      } catch (err) {
        actual = `error: ${(err as Error).message}`;
      }
      const ok = actual === expected;
      ctx.recorder.check({
        name: `row count of ${table}`,
        status: ok ? 'passed' : 'failed',
        ...(ok ? {} : { message: `expected ${expected} rows, found ${actual}` }),
        evidence: { query, expected, actual },
      });
    }
  });
}

export async function verifyFingerprints(ctx: DrillContext, tables: string[]): Promise<void> {
  const baseline = requireBaseline(ctx);
  await withClient(ctx.db(), async (c) => {
    for (const table of tables) {
      const expected = baseline.fingerprints[table];
      let actual: string;
      try {
        actual = await fingerprint(c, table);
      } catch (err) {
        actual = `error: ${(err as Error).message}`;
      }
      const ok = expected !== undefined && actual === expected;
      ctx.recorder.check({
        name: `fingerprint of ${table}`,
        status: ok ? 'passed' : 'failed',
        ...(ok
          ? {}
          : {
              message:
                expected === undefined
                  ? `${table} was not in the baseline`
                  : `content differs from the pre-fault baseline`,
            }),
        evidence: { query: fingerprintSql(table), expected: expected ?? null, actual },
      });
    }
  });
}

export async function verifySequences(ctx: DrillContext): Promise<void> {
  const baseline = requireBaseline(ctx);
  const actual = await withClient(ctx.db(), sequenceValues);
  // A sequence may legitimately be ahead after a restore (values are cached), never behind.
  const behind = Object.entries(baseline.sequences).filter(
    ([name, v]) =>
      v !== null && (actual[name] === undefined || actual[name] === null || BigInt(actual[name]) < BigInt(v)),
  );
  ctx.recorder.check({
    name: 'sequence values',
    status: behind.length === 0 ? 'passed' : 'failed',
    ...(behind.length ? { message: `behind the baseline: ${behind.map(([n]) => n).join(', ')}` } : {}),
    evidence: {
      query: 'SELECT schemaname, sequencename, last_value FROM pg_sequences',
      expected: baseline.sequences,
      actual,
    },
  });
}
