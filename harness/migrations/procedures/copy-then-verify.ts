import { z } from 'zod';
import { DrillError } from '../../engine/errors.js';
import { sqlIdentifier } from '../../scenario/fields.js';
import { now } from '../../util/clock.js';
import { withClient } from '../../util/pg-client.js';
import { dumpAndRestore } from '../copy.js';
import { measureWriteDowntime, retargetWriter, takeCut } from '../cutover.js';
import { fenceSource, setReadOnly } from '../fence.js';
import { rowCountsOldAndNew } from '../row-counts.js';
import { defineMigrationProcedure } from './types.js';

export const copyThenVerifySpec = z.strictObject({
  procedure: z.literal('copy-then-verify'),
  format: z
    .enum(['directory', 'custom'])
    .default('directory')
    .describe('pg_dump format; directory dumps in parallel (-j)'),
  jobs: z.number().int().min(1).max(16).default(2).describe('pg_dump/pg_restore -j: parallel jobs'),
  writes: z
    .enum(['stop', 'read-only'])
    .default('stop')
    .describe(
      'the write window: stop holds the application (maintenance mode); read-only makes the source refuse writes, and the application sees them fail',
    ),
  faultInjection: z
    .strictObject({
      skipTable: sqlIdentifier.describe(
        "FAULT INJECTION: the copy leaves this table's rows out (pg_dump --exclude-table-data), as a forgotten table would; the drill must fail naming it",
      ),
    })
    .optional()
    .describe('make the procedure go wrong on purpose (negative drills)'),
});

type Spec = z.output<typeof copyThenVerifySpec>;

/**
 * The seed's "copy then verify": stop writes, pg_dump the old database and pg_restore it into the new one,
 * count rows in old vs new, and only then switch the application to the new one. Writes stay stopped for
 * all of it: that window is the write downtime.
 */
export const copyThenVerify = defineMigrationProcedure<Spec>({
  title: 'copy then verify (pg_dump, pg_restore, row counts, switch)',
  steps(spec) {
    let windowFrom = 0;
    return [
      {
        name: 'copy',
        async run(m) {
          windowFrom = now();
          if (spec.writes === 'stop') await m.workload.pause();
          else await setReadOnly(m, true);
          m.recorder.event(
            'window',
            `writes ${spec.writes === 'stop' ? 'stopped' : 'refused by the read-only source'}`,
          );
          const skip = spec.faultInjection?.skipTable;
          if (skip) m.recorder.event('fault-injection', `FAULT INJECTION: the copy leaves the rows of ${skip} out`);
          const { stats, commands } = await dumpAndRestore(m, {
            format: spec.format,
            jobs: spec.jobs,
            ...(skip ? { skipTableData: [skip] } : {}),
          });
          m.recorder.measure('migration.copy', stats);
          m.recorder.check({
            name: 'pg_dump of the source restored into the target',
            status: 'passed',
            evidence: {
              command: commands.join('\n'),
              actual: `${stats.rows} rows, ${stats.bytes} bytes in ${stats.seconds} s`,
            },
          });
        },
      },
      {
        name: 'cutover',
        async run(m) {
          // The seed's step 3: count rows in old vs new, while no write can change either.
          const counts = await withClient(m.db(m.source), (src) =>
            withClient(m.db(m.target), (tgt) => rowCountsOldAndNew(src, tgt)),
          );
          const wrong = Object.entries(counts).filter(([, c]) => c.source !== c.target);
          m.recorder.check({
            name: 'row counts of every table, old vs new, before the switch',
            status: wrong.length ? 'failed' : 'passed',
            ...(wrong.length
              ? {
                  message: wrong
                    .map(([t, c]) => `${t}: ${c.source} rows on the source, ${c.target} on the target`)
                    .join('; '),
                }
              : {}),
            covers: Object.keys(counts),
            evidence: { query: 'SELECT count(*) FROM <table> (source and target)', actual: counts },
          });
          if (wrong.length) {
            // An operator calls the cutover off: the application goes back to the old database.
            if (spec.writes === 'stop') m.workload.resume();
            else await setReadOnly(m, false);
            throw new DrillError(
              'failed',
              `the copy is incomplete, ${wrong.map(([t, c]) => `${t} has ${c.target} of ${c.source} rows`).join(', ')}: the cutover was called off and writes stay on the source`,
            );
          }
          await takeCut(m);
          retargetWriter(m);
          if (spec.writes === 'stop') m.workload.resume();
          await measureWriteDowntime(m, { from: windowFrom, to: now() });
        },
      },
      { name: 'fence', run: fenceSource },
    ];
  },
});
