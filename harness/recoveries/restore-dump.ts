import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import type { DumpCatalog } from '../backups/dump.js';
import type { Drill } from '../engine/context.js';
import { DRILL_DATABASE } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import { sha256 } from '../objectstore/client.js';
import { sqlIdentifier } from '../scenario/fields.js';
import { withClient } from '../util/pg-client.js';
import { tocForTables } from './dump-toc.js';
import { defineRecovery } from './types.js';

export const restoreDumpSpec = z.strictObject({
  procedure: z.literal('restore-dump'),
  tables: z.array(sqlIdentifier).min(1).optional().describe('restore only these tables (pg_restore --table)'),
  schemas: z.array(sqlIdentifier).min(1).optional().describe('restore only these schemas (pg_restore --schema)'),
});

/**
 * The seed's dump restore: check the newest dump first (sha256, `pg_restore -l` as the dry run, gzip test),
 * then restore it, in full (drop and re-create the database) or selectively (`--table`, `--schema`) into the
 * live database. What was written to the restored tables after the dump started is lost: the recovery point
 * is the dump, and the workload shows how much that costs.
 */
export const restoreDump = defineRecovery<z.output<typeof restoreDumpSpec>>({
  title: 'restoring the logical dump',
  validate: (_spec, scenario) =>
    scenario.backup.some((b) => b.method === 'dump' && b.formats.includes('custom'))
      ? []
      : ['needs backup: [{ method: dump, formats: [custom] }]'],
  async recover(drill, spec) {
    const catalog = await newestDump(drill);
    const custom = catalog.objects.find((o) => o.format === 'custom');
    if (!custom) throw new DrillError('failed', `dump ${catalog.id} has no custom-format file to restore`);
    const data = await drill.store.getBuffer(drill.store.rel(custom.key));
    await checkDumpIntegrity(drill, catalog, data);
    drill.rto.mark('fetch-and-check-dump');

    const selective = [
      ...(spec.tables ? ['-L', await tableList(drill, data, spec.tables)] : []),
      ...(spec.schemas ?? []).flatMap((s) => ['--schema', s]),
    ];
    if (!selective.length) {
      await withClient(drill.primary.connection('postgres'), async (c) => {
        await c.query(`DROP DATABASE ${DRILL_DATABASE} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${DRILL_DATABASE}`);
      });
    }
    const archive = await drill.primary.writePrivateFile('restore.dump', data);
    // One transaction: the application keeps writing, and a table it sees half restored (created, its sequence
    // back at 1, rows and keys not yet there) takes inserts that then collide with the restored rows.
    const args = ['--no-owner', '--single-transaction', '-d', DRILL_DATABASE, ...selective, archive];
    const restored = await drill.primary.runTool('pg_restore', { args, allowFailure: true });
    await drill.saveArtifact('pg_restore.txt', restored.stdout + restored.stderr, `pg_restore ${args.join(' ')}`);
    if (restored.code !== 0)
      throw new DrillError(
        'failed',
        `pg_restore exited ${restored.code}: ${restored.stderr.trim().split('\n').slice(0, 3).join(' | ')}`,
      );
    drill.rto.mark('restore-dump');
    if (catalog.startLsn) {
      const tables = restoredTables(drill, spec);
      drill.recoveryPoint = {
        lsn: catalog.startLsn,
        description: `dump ${catalog.id} (started ${catalog.startedAt}, WAL ${catalog.startLsn})`,
        ...(tables ? { tables } : {}),
      };
    }
    const mode = spec.tables
      ? `selective: ${spec.tables.join(', ')} with their sequences, defaults, keys and indexes (pg_restore -L)`
      : spec.schemas
        ? `selective (${spec.schemas.map((s) => `--schema ${s}`).join(' ')})`
        : 'full';
    return { dump: catalog.id, mode };
  },
});

/** A pg_restore -L list of every archive entry that belongs to the tables, written where pg_restore reads it. */
async function tableList(drill: Drill, dump: Buffer, tables: string[]): Promise<string> {
  const toc = await drill.primary.runTool('pg_restore', { args: ['-l'], stdin: Readable.from([dump]) });
  const schema = await drill.primary.runTool('pg_restore', { args: ['-s', '-f', '-'], stdin: Readable.from([dump]) });
  const list = tocForTables(toc.stdout, schema.stdout, tables);
  await drill.saveArtifact('pg_restore-list.txt', list, `pg_restore -L list for ${tables.join(', ')}`);
  if (!list) throw new DrillError('failed', `the dump holds none of ${tables.join(', ')}`);
  return drill.primary.writePrivateFile('restore.list', list + '\n');
}

/** The tables a selective restore brings back; undefined for a full restore (every table). */
function restoredTables(drill: Drill, spec: z.output<typeof restoreDumpSpec>): string[] | undefined {
  if (!spec.tables && !spec.schemas) return undefined;
  const all = Object.keys(drill.baseline?.rowCounts ?? {});
  const schemaOf = (t: string) => (t.includes('.') ? t.split('.')[0]! : 'public');
  return [...(spec.tables ?? []), ...all.filter((t) => spec.schemas?.includes(schemaOf(t)))];
}

async function newestDump(drill: Drill): Promise<DumpCatalog> {
  const keys = (await drill.store.list('dumps/'))
    .filter((o) => o.key.endsWith('/dump.json'))
    .map((o) => o.key)
    .sort();
  const newest = keys.at(-1);
  if (!newest) throw new DrillError('failed', 'no dump in the object store: nothing to restore from');
  return JSON.parse((await drill.store.getBuffer(newest)).toString('utf8')) as DumpCatalog;
}

async function checkDumpIntegrity(drill: Drill, catalog: DumpCatalog, custom: Buffer): Promise<void> {
  const problems: string[] = [];
  const customEntry = catalog.objects.find((o) => o.format === 'custom')!;
  if (sha256(custom) !== customEntry.sha256) problems.push(`${customEntry.key}: sha256 differs from the catalog`);
  const list = await drill.primary.runTool('pg_restore', {
    args: ['-l'],
    stdin: Readable.from([custom]),
    allowFailure: true,
  });
  if (list.code !== 0) problems.push(`pg_restore -l: ${list.stderr.trim()}`);
  for (const o of catalog.objects.filter((x) => x.format === 'plain-gzip')) {
    const gz = await drill.store.getBuffer(drill.store.rel(o.key));
    if (sha256(gz) !== o.sha256) problems.push(`${o.key}: sha256 differs from the catalog`);
    await pipeline(Readable.from([gz]), createGunzip(), new Writable({ write: (_c, _e, cb) => cb() })).catch(
      (err: Error) => problems.push(`${o.key}: gzip test failed: ${err.message}`),
    );
  }
  drill.recorder.check({
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
