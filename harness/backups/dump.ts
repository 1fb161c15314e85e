import { PassThrough } from 'node:stream';
import { DRILL_DATABASE } from '../engine/context.js';
import type { BackupRecord } from '../engine/journal.js';
import { z } from 'zod';
import { withClient } from '../util/pg-client.js';
import { defineBackup } from './types.js';

export interface DumpCatalog {
  id: string;
  startedAt: string;
  finishedAt: string;
  database: string;
  /** The server's WAL insert position before pg_dump started: every write committed before it is in the dump. */
  startLsn?: string;
  objects: { key: string; format: 'custom' | 'plain-gzip'; bytes: number; sha256: string }[];
}

export const dumpCatalogKey = (id: string) => `dumps/${id}/dump.json`;

/** pg_dump of the drill database to the object store: custom format, and the seed's gzip plain SQL. */
export const dumpSpec = z.strictObject({
  method: z.literal('dump'),
  formats: z
    .array(z.enum(['custom', 'plain-gzip']))
    .min(1)
    .default(['custom']),
});

export const dump = defineBackup<z.output<typeof dumpSpec>>({
  async take(drill, spec) {
    const startedAt = new Date();
    const id = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${drill.runId.slice(-6)}`;
    const objects: DumpCatalog['objects'] = [];
    const startLsn = await withClient(drill.db(), async (c) => {
      const r = await c.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      return r.rows[0]!.lsn;
    });
    for (const format of spec.formats) {
      const key = `dumps/${id}/${DRILL_DATABASE}.${format === 'custom' ? 'dump' : 'sql.gz'}`;
      const body = new PassThrough();
      const args = [...(format === 'custom' ? ['-Fc'] : ['-Fp', '--compress=9']), '--no-owner', DRILL_DATABASE];
      // Awaited together, so a failed pg_dump aborts the upload instead of leaving its rejection unhandled.
      const [, stored] = await Promise.all([
        drill.primary.runTool('pg_dump', { args, stdout: body }).then(
          () => body.end(),
          (err: unknown) => {
            body.destroy();
            throw err;
          },
        ),
        drill.store.put(key, body),
      ]);
      objects.push({ key, format, bytes: stored.bytes, sha256: stored.sha256 });
    }
    const catalog: DumpCatalog = {
      id,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      database: DRILL_DATABASE,
      startLsn,
      objects,
    };
    await drill.store.put(dumpCatalogKey(id), JSON.stringify(catalog, null, 2));
    const record: BackupRecord = {
      id,
      method: 'dump',
      startedAt: catalog.startedAt,
      finishedAt: catalog.finishedAt,
      bytes: objects.reduce((n, o) => n + o.bytes, 0),
      objects: objects.map(({ key, bytes, sha256 }) => ({ key, bytes, sha256 })),
      startLsn,
      label: `pg_dump ${spec.formats.join(' + ')}`,
    };
    return [record];
  },
});
