import { DrillError } from '../engine/errors.js';
import { lostWrites, rpoMeasurements, summariseLedger } from '../measurement/rpo.js';
import { readSurvival } from '../measurement/survival.js';
import { parseDuration } from '../scenario/fields.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import { lineDiff } from '../verification/schema-diff.js';
import { schemaDump } from '../verification/schema-dump.js';
import { fingerprint, fingerprintSql, listTables, rowCount, sequenceValues } from '../verification/table-probes.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import type { Migration } from './context.js';
import { diffRows, divergentCount } from './rows.js';
import { sequencesBehind } from './sequences.js';

interface TableResult {
  source: number;
  target: number | string;
  divergent?: number;
  acked?: number;
  lost?: number;
}

/**
 * Old vs new: row counts and fingerprints of every table at the cutover (the source as it was left, the
 * target in the snapshot taken then), sequences, the schema, and, once the writer stopped, every
 * acknowledged write on the target.
 */
export async function compareOldAndNew(m: Migration): Promise<void> {
  const cut = m.cut;
  if (!cut) throw new DrillError('error', 'the procedure never cut over to the target');
  const verify = m.scenario.verify;
  const tables: Record<string, TableResult> = {};
  await withClient(m.db(m.source), async (src) => {
    for (const t of [...(await listTables(src)), LEDGER_TABLE]) {
      const source = await rowCount(src, t);
      const target = await rowCount(cut.target, t).catch((err: Error) => `error: ${err.message}`);
      tables[t] = { source, target };
      if (verify.rowCounts)
        m.recorder.check({
          name: `row count of ${t}, old vs new at the cutover`,
          status: source === target ? 'passed' : 'failed',
          ...(source === target ? {} : { message: `${source} rows on the source, ${target} on the target` }),
          covers: [t],
          evidence: { query: `SELECT count(*) FROM ${t}`, expected: source, actual: target },
        });
      if (!verify.fingerprints || typeof target === 'string') continue;
      // The ledger's server stamps are each server's own: its rows are compared by seq.
      const same = t !== LEDGER_TABLE && (await fingerprint(src, t)) === (await fingerprint(cut.target, t));
      const diff = same ? undefined : await diffRows(src, cut.target, t);
      tables[t].divergent = diff ? divergentCount(diff) : 0;
      m.recorder.check({
        name: `fingerprint of ${t}, old vs new at the cutover`,
        status: tables[t].divergent ? 'failed' : 'passed',
        ...(diff && tables[t].divergent
          ? {
              message: `${diff.missing.length} row(s) missing on the target, ${diff.extra.length} extra, ${diff.changed.length} different (keys ${[...diff.missing, ...diff.changed, ...diff.extra].slice(0, 5).join(', ')})`,
            }
          : {}),
        covers: [t],
        evidence: {
          query: fingerprintSql(t),
          actual: diff
            ? { missing: diff.missing.length, extra: diff.extra.length, changed: diff.changed.length }
            : 'same',
        },
      });
    }
  });
  if (verify.sequences) await compareSequences(m);
  if (verify.schemaDiff) {
    const diff = lineDiff(await schemaDump(m.source), await schemaDump(m.target));
    m.recorder.check({
      name: 'schema (pg_dump -s) of the target matches the source',
      status: diff.length ? 'failed' : 'passed',
      ...(diff.length ? { message: `${diff.length} line(s) differ` } : {}),
      evidence: {
        command: 'pg_dump -s --no-owner --no-privileges (source, target)',
        output: diff.slice(0, 200).join('\n'),
      },
    });
  }
  m.recorder.measure(
    'migration.divergentRows',
    Object.values(tables).reduce((n, t) => n + (t.divergent ?? 0), 0),
  );

  const remaining = parseDuration(m.scenario.workload.after) - (now() - cut.at);
  if (remaining > 0) await sleep(remaining, m.signal);
  await m.workload.stop();
  await measureWrites(m, tables);
  m.recorder.measure('migration.tables', tables);
}

async function compareSequences(m: Migration): Promise<void> {
  const source = await withClient(m.db(m.source), sequenceValues);
  const target = await withClient(m.db(m.target), sequenceValues);
  const behind = sequencesBehind(source, target);
  m.recorder.check({
    name: "sequences of the target at or ahead of the source's",
    status: behind.length ? 'failed' : 'passed',
    ...(behind.length
      ? {
          message: `behind the source: ${behind.map((b) => `${b.name} (target ${b.target ?? 'never used'}, source ${b.source})`).join(', ')}`,
        }
      : {}),
    evidence: {
      query: 'SELECT schemaname, sequencename, last_value FROM pg_sequences',
      expected: source,
      actual: target,
    },
  });
}

/** After the writer stopped: every acknowledged write on the target, and the writes the target refused. */
async function measureWrites(m: Migration, tables: Record<string, TableResult>): Promise<void> {
  const { acks, failures } = m.workload;
  m.recorder.measure('ledger', summariseLedger(acks, failures));
  if (Object.keys(m.workload.divergence).length) m.recorder.measure('migration.divergence', m.workload.divergence);
  const lost = await withClient(m.db(m.target), async (c) => lostWrites(acks, await readSurvival(c, acks, undefined)));
  const rpo = rpoMeasurements(acks, lost);
  m.recorder.measure('rpo', rpo);
  for (const [t, r] of Object.entries(rpo.tables ?? {})) {
    const entry = (tables[t] ??= { source: 0, target: 0 });
    entry.acked = r.acked;
    entry.lost = r.lost;
  }
  if (m.scenario.verify.ledger)
    m.recorder.check({
      name: 'every acknowledged write is present on the target',
      status: lost.length ? 'failed' : 'passed',
      ...(lost.length
        ? {
            message: `${lost.length} acknowledged write(s) missing (seq ${lost[0]!.ack.seq}..${lost.at(-1)!.ack.seq}; tables ${[...new Set(lost.flatMap((l) => l.tables))].join(', ')})`,
          }
        : {}),
      covers: ['ledger'],
      evidence: {
        query: `SELECT seq FROM ${LEDGER_TABLE}; SELECT id, <witness> FROM <each table the workload wrote> (on the target)`,
        expected: `${acks.length} acknowledged writes present`,
        actual: `${acks.length - lost.length} present, ${lost.length} missing`,
      },
    });
  const final = m.workload.currentTarget!;
  const refused = failures.filter((f) => f.target === final.index);
  m.recorder.check({
    name: 'the target accepted every write after the cutover',
    status: refused.length ? 'failed' : 'passed',
    ...(refused.length
      ? { message: `${refused.length} write(s) failed on the target (first: ${refused[0]!.error})` }
      : {}),
    evidence: {
      expected: 'no failed write',
      actual: `${acks.filter((a) => a.target === final.index).length} acknowledged, ${refused.length} failed`,
    },
  });
}
