import type pg from 'pg';
import { DrillError } from '../engine/errors.js';
import { quoteIdent, withClient } from '../verification/table-probes.js';
import { damageArchive } from './archive-damage.js';
import type { FaultDefinition } from './types.js';

const PAGE = 8192;

/**
 * Damages a relation file on disk while the server is stopped: bytes overwritten in heap or index pages
 * (found with pg_relation_filepath), or the file removed. Data checksums are on (initdb --data-checksums).
 */
export const corruption: FaultDefinition<'corruption'> = {
  type: 'corruption',
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
  async inject(ctx, spec) {
    const { path, relation, blocks } = await withClient(ctx.db(), async (c) => {
      const rel = spec.target === 'index' ? await primaryKeyIndex(c, spec.table) : spec.table;
      await c.query('CHECKPOINT');
      const r = await c.query<{ path: string; blocks: string }>(
        `SELECT pg_relation_filepath($1::regclass) AS path, pg_relation_size($1::regclass) / ${PAGE} AS blocks`,
        [quoteIdent(rel)],
      );
      return { path: r.rows[0]!.path, relation: rel, blocks: Number(r.rows[0]!.blocks) };
    });
    if (blocks < 1) throw new DrillError('invalid-config', `fault.table: ${relation} has no pages to corrupt`);
    await ctx.primary.stop('fast');
    const damaged: number[] = [];
    if (spec.target === 'segment') {
      await ctx.primary.removePath(path);
    } else {
      for (let i = 0; i < Math.min(spec.pages, blocks); i++) {
        const block = Math.floor(((i + 1) * blocks) / (spec.pages + 1));
        // Past the page header, into line pointers and tuples: the checksum no longer matches.
        await ctx.primary.writeFile(path, Buffer.alloc(spec.bytes, 0x5a), { position: block * PAGE + 64 });
        damaged.push(block);
      }
    }
    await ctx.primary.start();
    const at = Date.now();
    const archive = spec.corruptNewestBackup ? await damageArchive(ctx, { tamperNewestBackup: true }) : {};
    return {
      at,
      description:
        spec.target === 'segment'
          ? `removed ${path} (${relation})`
          : `overwrote ${spec.bytes} bytes in block(s) ${damaged.join(', ')} of ${path} (${relation})`,
      tables: [spec.table],
      relation,
      file: path,
      blocks: damaged,
      ...archive,
    };
  },
  async detect(ctx, spec) {
    const relation = (ctx.fault?.relation as string | undefined) ?? spec.table;
    const query =
      spec.target === 'index'
        ? `SET enable_seqscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM (SELECT id FROM ${quoteIdent(spec.table)} ORDER BY id) t`
        : `SELECT count(*) FROM ${quoteIdent(spec.table)}`;
    const queryError = await withClient(ctx.db(), async (c) =>
      c.query(query).then(
        () => null,
        (err: Error) => err.message,
      ),
    );
    const amcheckArgs = [
      '-d',
      'drdrill',
      '--install-missing',
      '--heapallindexed',
      '-t',
      spec.table,
      '-i',
      `${relation}`,
    ];
    const amcheck = await ctx.primary.runTool('pg_amcheck', {
      args: spec.target === 'index' ? amcheckArgs : amcheckArgs.slice(0, -2),
      allowFailure: true,
    });
    const failures = await withClient(
      ctx.db(),
      async (c) =>
        (
          await c.query<{ n: string }>(
            `SELECT coalesce(checksum_failures, 0)::text AS n FROM pg_stat_database WHERE datname = current_database()`,
          )
        ).rows[0]!.n,
    );
    const found = queryError !== null || amcheck.code !== 0;
    ctx.recorder.check({
      name: `corruption of ${relation} detected`,
      status: found ? 'passed' : 'failed',
      ...(found ? {} : { message: 'neither a query nor pg_amcheck noticed the damage' }),
      evidence: {
        query,
        actual: queryError ?? 'query succeeded',
        command: `pg_amcheck ${amcheck.code}`,
        output: (amcheck.stdout + amcheck.stderr).slice(0, 4000),
        checksumFailures: failures,
      },
    });
    await ctx.saveArtifact(
      'pg_amcheck-detect.txt',
      amcheck.stdout + amcheck.stderr,
      'pg_amcheck on the damaged primary',
    );
    if (!found) throw new DrillError('failed', `the corruption of ${relation} was not detected`);
  },
};

async function primaryKeyIndex(c: pg.Client, table: string): Promise<string> {
  const r = await c.query<{ name: string }>(
    `SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1::regclass AND indisprimary`,
    [quoteIdent(table)],
  );
  if (!r.rows[0]) throw new DrillError('invalid-config', `fault.table: ${table} has no primary key index to corrupt`);
  return r.rows[0].name;
}
