import type { DrillContext } from '../engine/context.js';
import { listBaseBackups } from '../restore/catalog.js';
import { archiveCurrentWal } from '../restore/wal-archive.js';
import { nextSegment, segmentOfLsn } from '../wal/segments.js';

/** Damage to the backups themselves, on top of a fault: what makes a restore fail, and must be caught. */
export interface ArchiveDamage {
  /** Delete the WAL segment that follows the newest base backup's start from the archive (a gap). */
  removeWalSegment?: boolean;
  /** Change bytes in the middle of the newest base backup object in S3. */
  tamperNewestBackup?: boolean;
}

export async function damageArchive(ctx: DrillContext, damage: ArchiveDamage): Promise<Record<string, string>> {
  const done: Record<string, string> = {};
  const newest = (await listBaseBackups(ctx.store)).at(-1);
  if (!newest) return done;
  if (damage.removeWalSegment) {
    await archiveCurrentWal(ctx);
    const victim = nextSegment(segmentOfLsn(newest.timeline, newest.startLsn));
    await ctx.store.delete(`wal/${victim}`);
    done.removedWalSegment = victim;
    ctx.recorder.event('fault', `removed WAL segment ${victim} from the archive`);
  }
  if (damage.tamperNewestBackup) {
    const key = newest.objects[0]!.key.slice(ctx.store.prefix.length);
    const data = await ctx.store.getBuffer(key);
    const at = Math.floor(data.length / 2);
    for (let i = 0; i < 64; i++) data[at + i] = data[at + i]! ^ 0xff;
    await ctx.store.put(key, data);
    done.tamperedBackup = `${newest.id} (64 bytes at offset ${at} of ${key})`;
    ctx.recorder.event('fault', `changed 64 bytes at offset ${at} of ${key} in the object store`);
  }
  return done;
}
