import { PassThrough } from 'node:stream';
import { DRILL_DATABASE } from '../engine/context.js';
import type { BackupRecord } from '../engine/journal.js';
import type { BackupDefinition } from './types.js';

export interface DumpCatalog {
  id: string;
  startedAt: string;
  finishedAt: string;
  database: string;
  objects: { key: string; format: 'custom' | 'plain-gzip'; bytes: number; sha256: string }[];
}

export const dumpCatalogKey = (id: string) => `dumps/${id}/dump.json`;

/** pg_dump of the drill database to the object store: custom format, and the seed's gzip plain SQL. */
export const dump: BackupDefinition<'dump'> = {
  method: 'dump',
  async take(ctx, spec) {
    const startedAt = new Date();
    const id = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${ctx.runId.slice(-6)}`;
    const objects: DumpCatalog['objects'] = [];
    for (const format of spec.formats) {
      const key = `dumps/${id}/${DRILL_DATABASE}.${format === 'custom' ? 'dump' : 'sql.gz'}`;
      const body = new PassThrough();
      const upload = ctx.store.put(key, body);
      const args = [...(format === 'custom' ? ['-Fc'] : ['-Fp', '--compress=9']), '--no-owner', DRILL_DATABASE];
      await ctx.primary.runTool('pg_dump', { args, stdout: body });
      body.end();
      const stored = await upload;
      objects.push({ key, format, bytes: stored.bytes, sha256: stored.sha256 });
    }
    const catalog: DumpCatalog = {
      id,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      database: DRILL_DATABASE,
      objects,
    };
    await ctx.store.put(dumpCatalogKey(id), JSON.stringify(catalog, null, 2));
    const record: BackupRecord = {
      id,
      method: 'dump',
      startedAt: catalog.startedAt,
      finishedAt: catalog.finishedAt,
      bytes: objects.reduce((n, o) => n + o.bytes, 0),
      objects: objects.map(({ key, bytes, sha256 }) => ({ key, bytes, sha256 })),
      label: `pg_dump ${spec.formats.join(' + ')}`,
    };
    return [record];
  },
};
