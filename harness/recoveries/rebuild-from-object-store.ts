import { z } from 'zod';
import type { Drill } from '../engine/context.js';
import { timelineSwitch } from '../measurement/recovery-point.js';
import { restoreBaseBackup } from '../restore/restore-base-backup.js';
import { archiveCurrentWal } from '../restore/wal-archive.js';
import { withClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import { requireArchivedBaseBackup } from './pitr.js';
import { prefetchField } from './target.js';
import { defineRecovery } from './types.js';

export const rebuildFromObjectStoreSpec = z.strictObject({
  procedure: z.literal('rebuild-from-object-store'),
  prefetch: prefetchField,
});

/**
 * Rebuild from object storage only: the newest base backup that passes its integrity checks (older ones
 * when it does not), WAL replayed to the end of the archive, promoted in a brand-new instance. If the old
 * primary is still running (corruption), it is fenced read-only and its last WAL archived first, so no
 * acknowledged write is lost while the archive is intact.
 */
export const rebuildFromObjectStore = defineRecovery<z.output<typeof rebuildFromObjectStoreSpec>>({
  title: 'rebuilding the cluster from the object store',
  validate: (_spec, scenario) => requireArchivedBaseBackup('basebackup', scenario),
  async recover(drill, spec) {
    const old = drill.primary;
    if (await old.isRunning()) {
      await fence(drill);
      await archiveCurrentWal(drill);
      drill.rto.mark('fence-and-archive');
    }
    const restored = await restoreBaseBackup(drill, {
      instanceName: 'rebuilt',
      target: { type: 'end-of-archive' },
      action: 'promote',
      prefetch: spec.prefetch,
      fallbackToOlder: true,
    });
    drill.replacePrimary(restored.instance);
    if (await old.isRunning()) await old.stop('immediate');
    const end = await timelineSwitch(restored.instance);
    drill.recoveryPoint = { lsn: end.lsn, description: `the end of the replayed WAL archive (${end.lsn})` };
    return {
      backup: restored.backup.id,
      restoreSeconds: restored.seconds,
      replayEndLsn: restored.replayEndLsn ?? null,
      timelineSwitch: end,
    };
  },
});

/** New transactions on the damaged primary become read-only, so nothing is acknowledged after its WAL is archived. */
async function fence(drill: Drill): Promise<void> {
  await withClient(drill.primary.connection('postgres'), async (c) => {
    await c.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await c.query('SELECT pg_reload_conf()');
  });
  // Sessions read the new setting at their next statement; give in-flight commits time to finish.
  await sleep(300, drill.signal);
  drill.recorder.event('recover', `${drill.primary.name} fenced: default_transaction_read_only = on`);
}
