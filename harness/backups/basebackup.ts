import { PassThrough } from 'node:stream';
import type { BackupRecord } from '../engine/journal.js';
import { catalogKey, type CatalogEntry } from '../restore/catalog.js';
import { z } from 'zod';
import type { Drill } from '../engine/context.js';
import { defineBackup } from './types.js';

/**
 * pg_basebackup as a tar (with its manifest) streamed straight to the object store, plus continuous WAL
 * archiving through archive_command = `drdrill wal push`. Each backup gets a catalog object.
 */
export const basebackupSpec = z.strictObject({
  method: z.literal('basebackup'),
  archiveWal: z.boolean().default(true),
  count: z.number().int().min(1).max(5).default(1).describe('how many base backups to take, oldest first'),
});

export const basebackup = defineBackup<z.output<typeof basebackupSpec>>({
  async instanceSettings(spec, _env, instance): Promise<Record<string, string>> {
    if (!spec.archiveWal) return {};
    return { archive_mode: 'on', archive_command: instance.walCommand('push', '%p %f'), archive_timeout: '60s' };
  },
  async take(drill, spec) {
    const records: BackupRecord[] = [];
    for (let i = 0; i < spec.count; i++) records.push(await takeBaseBackup(drill, i));
    return records;
  },
});

async function takeBaseBackup(drill: Drill, index: number): Promise<BackupRecord> {
  const startedAt = new Date();
  const id = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${index}-${drill.runId.slice(-6)}`;
  const label = `drdrill ${drill.scenario.metadata.name} ${id}`;
  const tar = new PassThrough();
  // Awaited together: when pg_basebackup fails (or is stopped by Ctrl-C) the upload is aborted, and its
  // failure is handled here rather than surfacing later as an unhandled rejection.
  const [run, stored] = await Promise.all([
    // -X none: the WAL comes from the archive, and the server waits until the backup's last segment is archived.
    drill.primary
      .runTool('pg_basebackup', {
        args: ['-D', '-', '-Ft', '-X', 'none', '--checkpoint=fast', '--manifest-checksums=SHA256', '-v', '-l', label],
        stdout: tar,
      })
      .then(
        (r) => (tar.end(), r),
        (err: unknown) => {
          tar.destroy();
          throw err;
        },
      ),
    drill.store.put(`backups/${id}/base.tar`, tar),
  ]);
  const history = await backupHistory(drill, label);
  const start = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(history);
  const stop = /STOP WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(history);
  const timeline = /START TIMELINE: (\d+)/.exec(history);
  if (!start || !stop || !timeline)
    throw new Error(`the backup history file of "${label}" has no WAL start/stop location: ${history.slice(0, 400)}`);
  const entry: CatalogEntry = {
    id,
    label,
    startLsn: start[1]!,
    stopLsn: stop[1]!,
    timeline: Number(timeline[1]),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    bytes: stored.bytes,
    objects: [{ key: `backups/${id}/base.tar`, bytes: stored.bytes, sha256: stored.sha256 }],
  };
  await drill.store.put(catalogKey(id), JSON.stringify(entry, null, 2));
  await drill.saveArtifact(`pg_basebackup-${id}.log`, run.stderr, `pg_basebackup output for ${id}`);
  return { ...entry, method: 'basebackup', sha256: stored.sha256 };
}

/**
 * With -X none pg_basebackup does not print its WAL range; the server archives a backup history file
 * (<segment>.<offset>.backup) that states it, labelled with our label.
 */
async function backupHistory(drill: Drill, label: string): Promise<string> {
  const files = (await drill.store.list('wal/')).filter((o) => o.key.endsWith('.backup')).reverse();
  for (const f of files) {
    const text = (await drill.store.getBuffer(f.key)).toString('utf8');
    if (text.includes(`LABEL: ${label}`)) return text;
  }
  throw new Error(
    `no backup history file for "${label}" was archived under wal/; is archive_command working? (see the PostgreSQL log)`,
  );
}
