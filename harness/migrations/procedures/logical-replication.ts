import { z } from 'zod';
import { budgetMs } from '../../engine/budgets.js';
import { DRILL_DATABASE } from '../../engine/context.js';
import { round } from '../../engine/recorder.js';
import type { ConnectionInfo } from '../../environments/types.js';
import { now } from '../../util/clock.js';
import { connectClient, withClient } from '../../util/pg-client.js';
import { retryUntil, sleep } from '../../util/retry.js';
import { LEDGER_TABLE } from '../../workload/ledger-table.js';
import type { Migration } from '../context.js';
import { copySchema, copyStats, databaseBytes, targetRows } from '../copy.js';
import { measureWriteDowntime, retargetWriter, takeCut } from '../cutover.js';
import { fenceSource } from '../fence.js';
import { syncSequences } from '../sequences.js';
import { defineMigrationProcedure } from './types.js';

export const logicalReplicationSpec = z.strictObject({
  procedure: z.literal('logical-replication'),
  faultInjection: z
    .strictObject({
      forgetSequences: z
        .literal(true)
        .describe(
          'FAULT INJECTION: the cutover does not synchronise sequences (logical replication does not carry them); the drill must fail naming the sequences behind',
        ),
    })
    .optional()
    .describe('make the procedure go wrong on purpose (negative drills)'),
});

type Spec = z.output<typeof logicalReplicationSpec>;

const NAME = 'drdrill_migration';

/** libpq connection string the target's subscription uses to reach the source. */
function conninfo(c: ConnectionInfo): string {
  const q = (v: string | number) => `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    `host=${q(c.host)}`,
    `port=${q(c.port)}`,
    `user=${q(c.user)}`,
    `dbname=${q(c.database)}`,
    ...(c.password ? [`password=${q(c.password)}`] : []),
  ].join(' ');
}

/** Whether the target holds the ledger row of a write, polled until it does; when it first saw it. */
async function visibleOnTarget(m: Migration, seq: number, budget: 'catchUp'): Promise<number> {
  return withClient(m.db(m.target), async (c) => {
    await retryUntil(
      `ledger seq ${seq} replicated to the target`,
      async () => (await c.query(`SELECT 1 FROM ${LEDGER_TABLE} WHERE seq = $1`, [seq])).rowCount,
      (n) => n === 1,
      { timeoutMs: budgetMs(budget), intervalMs: 2, signal: m.signal },
    );
    return now();
  });
}

/**
 * Built-in logical replication: the schema copied with pg_dump -s, a publication of every table on the
 * source, a subscription on the target (initial copy, then streaming); once caught up, a short write freeze
 * in which the target confirms the last write, sequences are set explicitly, and the writer is retargeted.
 */
export const logicalReplication = defineMigrationProcedure<Spec>({
  title: 'logical replication (publication and subscription, cutover with a short write freeze)',
  sourceSettings: () => ({ wal_level: 'logical' }),
  validate(_spec, scenario) {
    const level = scenario.source.settings.wal_level ?? scenario.environment.postgres.settings.wal_level;
    return level !== undefined && level !== 'logical'
      ? [`needs wal_level = logical on the source, but the scenario sets it to "${String(level)}"`]
      : [];
  },
  steps(spec) {
    return [
      {
        name: 'copy',
        async run(m) {
          const bytes = await databaseBytes(m);
          const started = now();
          const schema = await copySchema(m);
          await withClient(m.db(m.source), (c) => c.query(`CREATE PUBLICATION ${NAME} FOR ALL TABLES`));
          await withClient(m.db(m.target), (c) =>
            c.query(
              `CREATE SUBSCRIPTION ${NAME} CONNECTION ${literal(conninfo(m.source.peerConnection(DRILL_DATABASE)))} PUBLICATION ${NAME}`,
            ),
          );
          const ready = await withClient(m.db(m.target), (c) =>
            retryUntil(
              'every table of the subscription synchronised',
              async () =>
                (
                  await c.query<{ total: string; ready: string }>(
                    `SELECT count(*)::text AS total, count(*) FILTER (WHERE srsubstate = 'r')::text AS ready FROM pg_subscription_rel`,
                  )
                ).rows[0]!,
              (r) => Number(r.total) > 0 && r.total === r.ready,
              { timeoutMs: budgetMs('copy'), intervalMs: 50, signal: m.signal },
            ),
          );
          const stats = copyStats(
            { tool: 'logical replication (initial table synchronisation)' },
            bytes,
            await targetRows(m),
            (now() - started) / 1000,
          );
          m.recorder.measure('migration.copy', stats);
          m.recorder.check({
            name: 'subscription created and every table synchronised',
            status: 'passed',
            evidence: {
              command: [
                ...schema,
                `CREATE PUBLICATION ${NAME} FOR ALL TABLES`,
                `CREATE SUBSCRIPTION ${NAME} ... PUBLICATION ${NAME}`,
              ].join('\n'),
              actual: `${ready.ready} tables ready; ${stats.rows} rows on the target after ${stats.seconds} s`,
            },
          });
        },
      },
      {
        name: 'sync',
        async run(m) {
          const last = m.workload.acks.at(-1);
          if (!last) throw new Error('the writer acknowledged no write on the source');
          const seenAt = await visibleOnTarget(m, last.seq, 'catchUp');
          const lag = round((seenAt - last.ackAt) / 1000);
          m.recorder.check({
            name: 'the target caught up with the source',
            status: 'passed',
            evidence: {
              query: `SELECT 1 FROM ${LEDGER_TABLE} WHERE seq = ${last.seq}`,
              actual: `replicated ${lag} s after it was acknowledged`,
            },
          });
        },
      },
      {
        name: 'cutover',
        async run(m) {
          const src = await connectClient(m.db(m.source), { applicationName: 'drdrill-migration-cutover' });
          const tgt = await connectClient(m.db(m.target), { applicationName: 'drdrill-migration-cutover' });
          try {
            const from = now();
            await m.workload.pause();
            const last = m.workload.acks.at(-1)!;
            const behind = await src.query<{ bytes: string | null }>(
              `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS bytes FROM pg_replication_slots WHERE slot_name = $1`,
              [NAME],
            );
            // The last write the source acknowledged must be on the target before anything moves.
            let caughtAt = now();
            for (;;) {
              const r = await tgt.query(`SELECT 1 FROM ${LEDGER_TABLE} WHERE seq = $1`, [last.seq]);
              caughtAt = now();
              if (r.rowCount === 1) break;
              if (caughtAt - from > budgetMs('catchUp'))
                throw new Error(
                  `the target did not receive write seq ${last.seq} within ${budgetMs('catchUp') / 1000} s of the freeze`,
                );
              await sleep(2, m.signal);
            }
            let sequences: Record<string, string> | undefined;
            if (spec.faultInjection?.forgetSequences)
              m.recorder.event(
                'fault-injection',
                'FAULT INJECTION: the cutover leaves the sequences of the target as they are',
              );
            else sequences = await syncSequences(src, tgt);
            await takeCut(m);
            retargetWriter(m);
            m.workload.resume();
            const to = now();
            const lagSeconds = round(Math.max(caughtAt - last.ackAt, 0) / 1000);
            m.recorder.measure('migration.lagAtCutoverSeconds', lagSeconds);
            m.recorder.measure('migration.lagAtCutoverBytes', Number(behind.rows[0]?.bytes ?? 0));
            if (sequences)
              m.recorder.check({
                name: 'sequences of the target set to the source values at the cutover',
                status: 'passed',
                evidence: { query: 'SELECT setval(<sequence>, <source last_value>, true)', actual: sequences },
              });
            await measureWriteDowntime(m, { from, to });
          } finally {
            await src.end().catch(() => {});
            await tgt.end().catch(() => {});
          }
          // After the writer moved: nothing is replicated any more; the slot on the source goes with it.
          await withClient(m.db(m.target), (c) => c.query(`DROP SUBSCRIPTION ${NAME}`));
          await withClient(m.db(m.source), (c) => c.query(`DROP PUBLICATION ${NAME}`));
        },
      },
      { name: 'fence', run: fenceSource },
    ];
  },
});

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
