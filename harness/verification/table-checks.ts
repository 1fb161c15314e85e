import type { Drill } from '../engine/context.js';
import type { Baseline } from '../engine/journal.js';
import type { LostWrite } from '../measurement/rpo.js';
import { withClient } from '../util/pg-client.js';
import type { Ack } from '../workload/writes.js';
import { baselinePart, fingerprint, fingerprintSql, rowCount, rowCountSql, sequenceValues } from './table-probes.js';

/** The workload's writes acknowledged so far, and those of them missing from the primary now. */
export interface WriteSnapshot {
  acks: readonly Ack[];
  lost: readonly LostWrite[];
}

function requireBaseline(drill: Drill): Baseline {
  if (!drill.baseline) throw new Error('no baseline was taken before the fault');
  return drill.baseline;
}

/** Acknowledged writes to a table that the recovery promised to keep, and that are missing. */
function promisedMissing(writes: WriteSnapshot, table: string): { count: number; seqs: string } {
  const missing = writes.lost.filter((l) => l.beforePoint && l.tables.includes(table));
  const seqs = missing.length ? `seq ${missing[0]!.ack.seq}..${missing.at(-1)!.ack.seq}` : '';
  return { count: missing.length, seqs };
}

function ackedWritesTo(writes: WriteSnapshot, table: string): number {
  return writes.acks.filter((a) => a.changes.some((c) => c.table === table)).length;
}

/** Every row of the baseline is back, and every acknowledged write the recovery promised to keep. */
export async function verifyRowCounts(drill: Drill, writes: WriteSnapshot): Promise<void> {
  const baseline = requireBaseline(drill);
  await withClient(drill.db(), async (c) => {
    for (const [table, expected] of Object.entries(baseline.rowCounts)) {
      const where = baselinePart(baseline.keys, table, writes.acks);
      let actual: number | string;
      try {
        actual = await rowCount(c, table, where);
      } catch (err) {
        actual = `error: ${(err as Error).message}`;
      }
      const missing = promisedMissing(writes, table);
      const problems = [
        ...(actual === expected ? [] : [`expected ${expected} baseline rows, found ${actual}`]),
        ...(missing.count
          ? [`${missing.count} acknowledged write(s) the recovery promised to keep are missing (${missing.seqs})`]
          : []),
      ];
      drill.recorder.check({
        name: `row count of ${table}`,
        status: problems.length ? 'failed' : 'passed',
        ...(problems.length ? { message: problems.join('; ') } : {}),
        covers: [table],
        evidence: {
          query: rowCountSql(table, where),
          expected: { baselineRows: expected, acknowledgedWrites: ackedWritesTo(writes, table), promisedMissing: 0 },
          actual: { baselineRows: actual, promisedMissing: missing.count },
        },
      });
    }
  });
}

export async function verifyFingerprints(drill: Drill, tables: string[], writes: WriteSnapshot): Promise<void> {
  const baseline = requireBaseline(drill);
  await withClient(drill.db(), async (c) => {
    for (const table of tables) {
      const expected = baseline.fingerprints[table];
      const where = baselinePart(baseline.keys, table, writes.acks);
      let actual: string;
      try {
        actual = await fingerprint(c, table, where);
      } catch (err) {
        actual = `error: ${(err as Error).message}`;
      }
      const missing = promisedMissing(writes, table);
      const problems = [
        ...(expected === undefined
          ? [`${table} was not in the baseline`]
          : actual === expected
            ? []
            : ['content of the baseline rows differs from the pre-fault baseline']),
        ...(missing.count
          ? [`${missing.count} acknowledged write(s) the recovery promised to keep are missing (${missing.seqs})`]
          : []),
      ];
      drill.recorder.check({
        name: `fingerprint of ${table}`,
        status: problems.length ? 'failed' : 'passed',
        ...(problems.length ? { message: problems.join('; ') } : {}),
        covers: [table],
        evidence: {
          query: fingerprintSql(table, where),
          expected: expected ?? null,
          actual,
          promisedMissing: missing.count,
        },
      });
    }
  });
}

export async function verifySequences(drill: Drill): Promise<void> {
  const baseline = requireBaseline(drill);
  const actual = await withClient(drill.db(), sequenceValues);
  // A sequence may legitimately be ahead after a restore (values are cached), never behind.
  const behind = Object.entries(baseline.sequences).filter(
    ([name, v]) =>
      v !== null && (actual[name] === undefined || actual[name] === null || BigInt(actual[name]) < BigInt(v)),
  );
  drill.recorder.check({
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
