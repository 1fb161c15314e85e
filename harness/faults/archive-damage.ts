import { z } from 'zod';
import type { Drill } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import type { ObjectStore } from '../objectstore/client.js';
import type { Scenario } from '../scenario/schema.js';
import { listBaseBackups } from '../restore/catalog.js';
import { archiveCurrentWal } from '../restore/wal-archive.js';
import { nextSegment, segmentOfLsn } from '../wal/segments.js';

/** Damage to the backups themselves, on top of a fault: what makes a restore fail, and must be caught. */
export const archiveDamageFields = {
  removeWalSegment: z
    .boolean()
    .default(false)
    .describe('also delete a WAL segment after the newest base backup from the archive'),
  tamperNewestBackup: z
    .boolean()
    .default(false)
    .describe('also change bytes of the newest base backup in the object store'),
};

export interface ArchiveDamage {
  removeWalSegment?: boolean;
  tamperNewestBackup?: boolean;
}

/**
 * These options damage what drdrill itself writes (its base backups and WAL archive): a scenario without those
 * would have them act on nothing, or on someone else's objects. Refused before anything runs.
 */
export function archiveDamageProblems(damage: ArchiveDamage, scenario: Scenario): string[] {
  const problems: string[] = [];
  const basebackups = scenario.backup.filter((b) => b.method === 'basebackup');
  if (damage.removeWalSegment && !basebackups.some((b) => b.archiveWal))
    problems.push(
      'removeWalSegment removes a segment of the WAL archive that drdrill writes: it needs backup: [{ method: basebackup, archiveWal: true }]',
    );
  if (damage.tamperNewestBackup && !basebackups.length)
    problems.push(
      'tamperNewestBackup changes a base backup that drdrill took: it needs backup: [{ method: basebackup }]',
    );
  return problems;
}

/**
 * The blast radius of a fault is what the drill created: an object is damaged only when this drill wrote it
 * (a backup it took, a segment it archived) and it lies under the drill's own run prefix. On an external
 * object store the bucket holds other people's objects; none of them is ever touched.
 */
export function ownObject(
  store: Pick<ObjectStore, 'prefix' | 'bucket' | 'key' | 'conn'>,
  rel: string,
  wroteIt: boolean,
  action: string,
): string {
  const { prefix, bucket } = store;
  const full = store.key(rel);
  const escapes = rel.startsWith('/') || rel.split('/').some((s) => s === '..' || s === '.');
  const outside = store.conn.kind !== 'embedded' && (!prefix || !full.startsWith(prefix));
  if (escapes || outside || !wroteIt)
    throw new DrillError(
      'error',
      `refusing to ${action} s3://${bucket}/${full}: drdrill damages only objects this drill wrote${prefix ? `, under its run prefix ${prefix}` : ''}`,
    );
  return rel;
}

export async function damageArchive(drill: Drill, damage: ArchiveDamage): Promise<Record<string, string>> {
  const done: Record<string, string> = {};
  const newest = (await listBaseBackups(drill.store)).at(-1);
  if (!newest) return done;
  const tookIt = drill.recorder.backups.some((b) => b.method === 'basebackup' && b.id === newest.id);
  if (damage.removeWalSegment) {
    await archiveCurrentWal(drill);
    const victim = nextSegment(segmentOfLsn(newest.timeline, newest.startLsn));
    const archived = (await drill.store.head(`wal/${victim}`)) !== undefined;
    await drill.store.delete(ownObject(drill.store, `wal/${victim}`, tookIt && archived, 'remove'));
    done.removedWalSegment = victim;
    drill.recorder.event('fault', `removed WAL segment ${victim} from the archive`);
  }
  if (damage.tamperNewestBackup) {
    const key = ownObject(drill.store, drill.store.rel(newest.objects[0]!.key), tookIt, 'tamper with');
    const data = await drill.store.getBuffer(key);
    const at = Math.floor(data.length / 2);
    for (let i = 0; i < 64; i++) data[at + i] = data[at + i]! ^ 0xff;
    await drill.store.put(key, data);
    done.tamperedBackupId = newest.id;
    done.tamperedBackup = `${newest.id} (64 bytes at offset ${at} of ${key})`;
    drill.recorder.event('fault', `changed 64 bytes at offset ${at} of ${key} in the object store`);
  }
  return done;
}
