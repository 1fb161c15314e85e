import { z } from 'zod';
import type { Drill } from '../engine/context.js';
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

export async function damageArchive(drill: Drill, damage: ArchiveDamage): Promise<Record<string, string>> {
  const done: Record<string, string> = {};
  const newest = (await listBaseBackups(drill.store)).at(-1);
  if (!newest) return done;
  if (damage.removeWalSegment) {
    await archiveCurrentWal(drill);
    const victim = nextSegment(segmentOfLsn(newest.timeline, newest.startLsn));
    await drill.store.delete(`wal/${victim}`);
    done.removedWalSegment = victim;
    drill.recorder.event('fault', `removed WAL segment ${victim} from the archive`);
  }
  if (damage.tamperNewestBackup) {
    const key = drill.store.rel(newest.objects[0]!.key);
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
