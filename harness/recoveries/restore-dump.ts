import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import type { DrillContext } from '../engine/context.js';
import { DRILL_DATABASE } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import type { DumpCatalog } from '../backups/dump.js';
import { sha256 } from '../objectstore/client.js';
import { withClient } from '../verification/table-probes.js';
import type { RecoveryDefinition } from './types.js';

/**
 * The seed's dump restore: check the newest dump first (sha256, `pg_restore -l` as the dry run, gzip test),
 * then restore it, in full (drop and re-create the database) or selectively (`--table`, `--schema`) into the
 * live database. Everything written after the dump is lost by a full restore: the ledger shows how much.
 */
export const restoreDump: RecoveryDefinition = {
  procedure: 'restore-dump',
  validate: (_spec, scenario) =>
    scenario.backup.some((b) => b.method === 'dump' && b.formats.includes('custom'))
      ? []
      : ['needs backup: [{ method: dump, formats: [custom] }]'],
  async recover(ctx, spec) {
    const catalog = await newestDump(ctx);
    const custom = catalog.objects.find((o) => o.format === 'custom')!;
    const data = await ctx.store.getBuffer(custom.key.slice(ctx.store.prefix.length));
    await checkDumpIntegrity(ctx, catalog, data);
    ctx.rto.mark('fetch-and-check-dump');

    const selective = [
      ...(spec.tables ?? []).flatMap((t) => ['--table', t]),
      ...(spec.schemas ?? []).flatMap((s) => ['--schema', s]),
    ];
    if (!selective.length) {
      await withClient(ctx.primary.connection('postgres'), async (c) => {
        await c.query(`DROP DATABASE ${DRILL_DATABASE} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${DRILL_DATABASE}`);
      });
    }
    const args = ['--no-owner', '--exit-on-error', '-d', DRILL_DATABASE, ...selective];
    const restored = await ctx.primary.runTool('pg_restore', {
      args,
      stdin: Readable.from([data]),
      allowFailure: true,
    });
    await ctx.saveArtifact('pg_restore.txt', restored.stdout + restored.stderr, `pg_restore ${args.join(' ')}`);
    if (restored.code !== 0)
      throw new DrillError(
        'failed',
        `pg_restore exited ${restored.code}: ${restored.stderr.trim().split('\n').slice(0, 3).join(' | ')}`,
      );
    ctx.rto.mark('restore-dump');
    ctx.recorder.measure('recovery', {
      procedure: 'restore-dump',
      dump: catalog.id,
      mode: selective.length ? `selective (${selective.join(' ')})` : 'full',
    });
  },
};

async function newestDump(ctx: DrillContext): Promise<DumpCatalog> {
  const keys = (await ctx.store.list('dumps/'))
    .filter((o) => o.key.endsWith('/dump.json'))
    .map((o) => o.key)
    .sort();
  const newest = keys.at(-1);
  if (!newest) throw new DrillError('failed', 'no dump in the object store: nothing to restore from');
  return JSON.parse((await ctx.store.getBuffer(newest)).toString('utf8')) as DumpCatalog;
}

async function checkDumpIntegrity(ctx: DrillContext, catalog: DumpCatalog, custom: Buffer): Promise<void> {
  const problems: string[] = [];
  const customEntry = catalog.objects.find((o) => o.format === 'custom')!;
  if (sha256(custom) !== customEntry.sha256) problems.push(`${customEntry.key}: sha256 differs from the catalog`);
  const list = await ctx.primary.runTool('pg_restore', {
    args: ['-l'],
    stdin: Readable.from([custom]),
    allowFailure: true,
  });
  if (list.code !== 0) problems.push(`pg_restore -l: ${list.stderr.trim()}`);
  for (const o of catalog.objects.filter((x) => x.format === 'plain-gzip')) {
    const gz = await ctx.store.getBuffer(o.key.slice(ctx.store.prefix.length));
    if (sha256(gz) !== o.sha256) problems.push(`${o.key}: sha256 differs from the catalog`);
    await pipeline(Readable.from([gz]), createGunzip(), new Writable({ write: (_c, _e, cb) => cb() })).catch(
      (err: Error) => problems.push(`${o.key}: gzip test failed: ${err.message}`),
    );
  }
  ctx.recorder.check({
    name: `dump ${catalog.id} is intact (sha256, pg_restore -l, gzip test)`,
    status: problems.length ? 'failed' : 'passed',
    ...(problems.length ? { message: problems.join('; ') } : {}),
    evidence: {
      command: 'pg_restore -l',
      output: list.stdout.split('\n').slice(0, 40).join('\n'),
      expected: catalog.objects.map((o) => `${o.key} ${o.sha256}`),
    },
  });
  if (problems.length) throw new DrillError('failed', `dump ${catalog.id} failed its integrity check: ${problems[0]}`);
}
