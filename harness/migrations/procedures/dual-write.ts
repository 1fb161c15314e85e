import { z } from 'zod';
import { DrillError } from '../../engine/errors.js';
import { duration, parseDuration } from '../../scenario/fields.js';
import { now } from '../../util/clock.js';
import { connectClient, withClient } from '../../util/pg-client.js';
import { sleep } from '../../util/retry.js';
import { listTables } from '../../verification/table-probes.js';
import { LEDGER_TABLE } from '../../workload/ledger-table.js';
import type { Migration } from '../context.js';
import { dumpAndRestore } from '../copy.js';
import { measureWriteDowntime, retargetWriter, takeCut } from '../cutover.js';
import { fenceSource } from '../fence.js';
import { copyRows, diffRows, divergentCount } from '../rows.js';
import { syncSequences } from '../sequences.js';
import { defineMigrationProcedure } from './types.js';

export const dualWriteSpec = z.strictObject({
  procedure: z.literal('dual-write'),
  jobs: z.number().int().min(1).max(16).default(2).describe('pg_dump/pg_restore -j of the initial copy'),
  dualWriteFor: duration
    .default('2s')
    .describe('how long the application writes to both before the in-sync verification'),
});

type Spec = z.output<typeof dualWriteSpec>;

/**
 * The seed's dual-write strategy, each step a phase: the application writes to old (workload); the initial
 * copy runs while it does (copy); it writes to both, each write acknowledged only when both committed, and
 * the rows it wrote to old alone during the copy are brought over (dual-write); both are verified in sync at
 * one consistent cut (sync); it writes only to new (cutover); old is fenced read-only (fence).
 */
export const dualWrite = defineMigrationProcedure<Spec>({
  title: 'dual-write (copy, write to both, verify in sync, switch, decommission)',
  steps(spec) {
    let seqAtCopy = 0;
    return [
      {
        name: 'copy',
        async run(m) {
          seqAtCopy = m.workload.lastSeq;
          const { stats, commands } = await dumpAndRestore(m, { format: 'directory', jobs: spec.jobs });
          m.recorder.measure('migration.copy', stats);
          m.recorder.check({
            name: 'initial copy of the source restored into the target while the application wrote to the source',
            status: 'passed',
            evidence: { command: commands.join('\n'), actual: `${stats.rows} rows in ${stats.seconds} s` },
          });
        },
      },
      {
        name: 'dual-write',
        async run(m) {
          const seqAtDual = await m.workload.between(async () => {
            m.workload.mirrorTo(m.db(m.target), m.target.name);
            return m.workload.lastSeq;
          });
          m.recorder.event('dual-write', `the application writes to both; writes after seq ${seqAtDual} go to both`);
          const backfilled = await backfill(m, seqAtCopy, seqAtDual);
          m.recorder.measure('migration.backfill', backfilled);
          const until = now() + parseDuration(spec.dualWriteFor);
          while (now() < until) await sleep(50, m.signal);
          const mirrored = m.workload.mirroredAcks;
          const diverged = Object.entries(m.workload.divergence);
          m.recorder.check({
            name: 'every write acknowledged by both databases (no divergence)',
            status: mirrored > 0 && !diverged.length ? 'passed' : 'failed',
            ...(diverged.length
              ? {
                  message: diverged
                    .map(
                      ([t, d]) =>
                        `${t}: ${d.writes} write(s) committed on the source only (seq ${d.firstSeq}..${d.lastSeq}; ${d.error})`,
                    )
                    .join('; '),
                }
              : mirrored === 0
                ? { message: `no write was acknowledged by both within ${spec.dualWriteFor}` }
                : {}),
            evidence: {
              expected: 'writes committed on both, none diverged',
              actual: { mirrored, divergence: m.workload.divergence },
            },
          });
        },
      },
      {
        name: 'sync',
        async run(m) {
          const src = await connectClient(m.db(m.source), { applicationName: 'drdrill-migration-sync' });
          const tgt = await connectClient(m.db(m.target), { applicationName: 'drdrill-migration-sync' });
          try {
            // One consistent cut of both, taken between two writes; the comparison then runs while writes go on.
            await m.workload.between(async () => {
              for (const c of [src, tgt]) {
                await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
                await c.query('SELECT 1');
              }
            });
            const tables: Record<string, number> = {};
            for (const t of [...(await listTables(src)), LEDGER_TABLE]) {
              const diff = await diffRows(src, tgt, t);
              tables[t] = divergentCount(diff);
              m.recorder.check({
                name: `${t} in sync on both databases`,
                status: tables[t] ? 'failed' : 'passed',
                ...(tables[t]
                  ? {
                      message: `${diff.missing.length} row(s) missing on the target, ${diff.extra.length} extra, ${diff.changed.length} different (keys ${[...diff.missing, ...diff.extra, ...diff.changed].slice(0, 5).join(', ')})`,
                    }
                  : {}),
                covers: [t],
                evidence: {
                  query: `SELECT id, md5(t::text) FROM ${t} t (both, at one cut)`,
                  actual: diff.missing.length + diff.extra.length + diff.changed.length,
                },
              });
            }
            m.recorder.measure('migration.sync', { divergentRows: tables });
            const off = Object.entries(tables).filter(([, n]) => n > 0);
            if (off.length)
              throw new DrillError(
                'failed',
                `the databases are not in sync (${off.map(([t, n]) => `${t}: ${n} rows differ`).join(', ')}): the application stays on both`,
              );
          } finally {
            for (const c of [src, tgt]) await c.end().catch(() => {});
          }
        },
      },
      {
        name: 'cutover',
        async run(m) {
          await withClient(m.db(m.source), (src) =>
            withClient(m.db(m.target), async (tgt) => {
              const from = now();
              await m.workload.pause();
              // Writes to both carried the source's keys: the target's sequences never moved.
              const set = await syncSequences(src, tgt);
              await takeCut(m);
              retargetWriter(m);
              m.workload.resume();
              const to = now();
              m.recorder.check({
                name: 'sequences of the target set to the source values at the switch',
                status: 'passed',
                evidence: { query: 'SELECT setval(<sequence>, <source last_value>, true)', actual: set },
              });
              await measureWriteDowntime(m, { from, to });
            }),
          );
        },
      },
      { name: 'fence', run: fenceSource },
    ];
  },
});

/**
 * The rows the application changed on the source alone, between the start of the copy and the start of
 * dual-writes: copied over with their current values, under a lock on the source, so a dual write to the
 * same row waits and lands after it.
 */
async function backfill(m: Migration, afterSeq: number, uptoSeq: number): Promise<Record<string, number>> {
  const acks = m.workload.acks.filter((a) => a.seq > afterSeq && a.seq <= uptoSeq);
  const keys = new Map<string, Set<string>>();
  for (const a of acks) for (const ch of a.changes) keys.set(ch.table, (keys.get(ch.table) ?? new Set()).add(ch.key));
  const copied: Record<string, number> = { writes: acks.length };
  await withClient(m.db(m.source), (src) =>
    withClient(m.db(m.target), async (tgt) => {
      await src.query('BEGIN');
      try {
        // Parents before children: the foreign keys hold at every statement.
        for (const table of m.workload.profile.tables)
          copied[table] = await copyRows(src, tgt, table, [...(keys.get(table) ?? [])], { replace: true, lock: true });
        copied[LEDGER_TABLE] = await copyRows(
          src,
          tgt,
          LEDGER_TABLE,
          acks.map((a) => String(a.seq)),
          {
            replace: false,
            lock: false,
          },
        );
      } finally {
        await src.query('COMMIT');
      }
    }),
  );
  m.recorder.event(
    'backfill',
    `rows written to the source alone during the copy brought over: ${JSON.stringify(copied)}`,
  );
  return copied;
}
