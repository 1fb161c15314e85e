import type pg from 'pg';
import { z } from 'zod';
import { DrillError } from '../engine/errors.js';
import { sqlIdentifier } from '../scenario/fields.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { quoteIdent } from '../verification/table-probes.js';
import { damageArchive } from './archive-damage.js';
import { defineFault } from './types.js';

const PAGE = 8192;

export const corruptionSpec = z.strictObject({
  type: z.literal('corruption'),
  table: sqlIdentifier,
  target: z.enum(['heap', 'index', 'segment']).default('heap'),
  bytes: z.number().int().min(1).max(8192).default(16),
  pages: z.number().int().min(1).max(64).default(1),
  corruptNewestBackup: z
    .boolean()
    .default(false)
    .describe('also tamper with the newest base backup in the object store'),
});

/**
 * Damages a relation file on disk while the server is stopped: bytes overwritten in heap or index pages
 * (found with pg_relation_filepath), or the file removed. Data checksums are on (initdb --data-checksums).
 */
export const corruption = defineFault<z.output<typeof corruptionSpec>>({
  damage: (spec) => [{ kind: 'table', name: spec.table }],
  validate(spec, scenario) {
    const problems = scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal)
      ? []
      : ['needs backup: [{ method: basebackup, archiveWal: true }] to restore from'];
    if (spec.corruptNewestBackup && !scenario.backup.some((b) => b.method === 'basebackup' && b.count >= 2))
      problems.push(
        'corruptNewestBackup needs an older backup to fall back to: backup: [{ method: basebackup, count: 2 }]',
      );
    return problems;
  },
  async inject(drill, spec) {
    const { path, relation, blocks, checksumFailures } = await withClient(drill.db(), async (c) => {
      const rel = spec.target === 'index' ? await primaryKeyIndex(c, spec.table) : spec.table;
      await c.query('CHECKPOINT');
      const r = await c.query<{ path: string; blocks: string }>(
        `SELECT pg_relation_filepath($1::regclass) AS path, pg_relation_size($1::regclass) / ${PAGE} AS blocks`,
        [quoteIdent(rel)],
      );
      return {
        path: r.rows[0]!.path,
        relation: rel,
        blocks: Number(r.rows[0]!.blocks),
        checksumFailures: await checksumFailureCount(c),
      };
    });
    if (blocks < 1) throw new DrillError('invalid-config', `fault.table: ${relation} has no pages to corrupt`);
    // The outage starts when the server goes down to have its files changed.
    const at = now();
    await drill.primary.stop('fast');
    const damaged: number[] = [];
    if (spec.target === 'segment') {
      await drill.primary.removePath(path);
    } else {
      for (let i = 0; i < Math.min(spec.pages, blocks); i++) {
        const block = Math.floor(((i + 1) * blocks) / (spec.pages + 1));
        // Past the page header, into line pointers and tuples: the checksum no longer matches.
        await drill.primary.writeFile(path, Buffer.alloc(spec.bytes, 0x5a), { position: block * PAGE + 64 });
        damaged.push(block);
      }
    }
    await drill.primary.start();
    const archive = spec.corruptNewestBackup ? await damageArchive(drill, { tamperNewestBackup: true }) : {};
    return {
      at,
      description:
        spec.target === 'segment'
          ? `removed ${path} (${relation})`
          : `overwrote ${spec.bytes} bytes in block(s) ${damaged.join(', ')} of ${path} (${relation})`,
      damaged: [{ kind: 'table', name: spec.table }],
      tables: [spec.table],
      relation,
      file: path,
      blocks: damaged,
      checksumFailuresBefore: checksumFailures,
      ...archive,
    };
  },
  async detect(drill, spec) {
    const relation = typeof drill.fault?.relation === 'string' ? drill.fault.relation : spec.table;
    const file = typeof drill.fault?.file === 'string' ? drill.fault.file : '';
    const query =
      spec.target === 'index'
        ? `SET enable_seqscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM (SELECT id FROM ${quoteIdent(spec.table)} ORDER BY id) t`
        : `SELECT count(*) FROM ${quoteIdent(spec.table)}`;
    const queryError = await withClient(drill.db(), async (c) =>
      c.query(query).then(
        () => null,
        (err: Error) => err.message,
      ),
    );
    const amcheckArgs = ['-d', 'drdrill', '--install-missing', '--heapallindexed', '-t', spec.table];
    if (spec.target === 'index') amcheckArgs.push('-i', relation);
    const amcheck = await drill.primary.runTool('pg_amcheck', { args: amcheckArgs, allowFailure: true });
    const amcheckOutput = (amcheck.stdout + amcheck.stderr).trim();
    const failuresAfter = await withClient(drill.db(), checksumFailureCount);
    const failuresBefore = Number(drill.fault?.checksumFailuresBefore ?? 0);
    const shortName = relation.split('.').at(-1)!;
    // Only evidence that names the damage counts: a checksum failure, "invalid page" in this relation's
    // file, or pg_amcheck reporting corruption (exit 2) in this relation. A tool error proves nothing.
    const evidence = [
      ...(failuresAfter > failuresBefore ? [`${failuresAfter - failuresBefore} checksum failure(s)`] : []),
      ...(queryError && /invalid page in block \d+ of relation/.test(queryError) && (!file || queryError.includes(file))
        ? [queryError]
        : []),
      ...(amcheck.code === 2 && amcheckOutput.includes(shortName) ? [`pg_amcheck exit 2 naming ${relation}`] : []),
    ];
    await drill.saveArtifact('pg_amcheck-detect.txt', amcheckOutput, 'pg_amcheck on the damaged primary');
    const found = evidence.length > 0;
    const toolMessage = `query: ${queryError ?? 'succeeded'}; pg_amcheck exit ${amcheck.code}: ${amcheckOutput.split('\n').slice(0, 2).join(' | ')}`;
    drill.recorder.check({
      name: `corruption of ${relation} detected`,
      status: found ? 'passed' : 'error',
      ...(found
        ? {}
        : { message: `no checksum failure, invalid page or pg_amcheck finding names ${relation}: ${toolMessage}` }),
      evidence: {
        query,
        actual: queryError ?? 'query succeeded',
        command: `pg_amcheck ${amcheckArgs.join(' ')} (exit ${amcheck.code})`,
        output: amcheckOutput.slice(0, 4000),
        checksumFailures: { before: failuresBefore, after: failuresAfter },
        found: evidence,
      },
    });
    if (!found) throw new DrillError('error', `the corruption of ${relation} was not proven: ${toolMessage}`);
  },
});

async function checksumFailureCount(c: pg.Client): Promise<number> {
  const r = await c.query<{ n: string }>(
    `SELECT coalesce(checksum_failures, 0)::text AS n FROM pg_stat_database WHERE datname = current_database()`,
  );
  return Number(r.rows[0]!.n);
}

async function primaryKeyIndex(c: pg.Client, table: string): Promise<string> {
  const r = await c.query<{ name: string }>(
    `SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1::regclass AND indisprimary`,
    [quoteIdent(table)],
  );
  if (!r.rows[0]) throw new DrillError('invalid-config', `fault.table: ${table} has no primary key index to corrupt`);
  return r.rows[0].name;
}
