import type { DrillContext } from '../engine/context.js';
import { restoreBaseBackup } from '../restore/restore-base-backup.js';
import { archiveCurrentWal } from '../restore/wal-archive.js';
import { withClient } from '../verification/table-probes.js';
import { requireArchivedBaseBackup } from './pitr.js';
import type { RecoveryDefinition } from './types.js';
import { sleep } from '../util/retry.js';

/**
 * Rebuild from object storage only: the newest base backup that passes its integrity checks (older ones
 * when it does not), WAL replayed to the end of the archive, promoted in a brand-new instance. If the old
 * primary is still running (corruption), it is fenced read-only and its last WAL archived first, so no
 * acknowledged write is lost while the archive is intact.
 */
export const rebuildFromObjectStore: RecoveryDefinition = {
  procedure: 'rebuild-from-object-store',
  validate: (spec, scenario) => requireArchivedBaseBackup(spec, scenario),
  async recover(ctx, spec) {
    const old = ctx.primary;
    if (await old.isRunning()) {
      await fence(ctx);
      await archiveCurrentWal(ctx);
      ctx.rto.mark('fence-and-archive');
    }
    const restored = await restoreBaseBackup(ctx, {
      instanceName: 'rebuilt',
      target: { type: 'end-of-archive' },
      action: 'promote',
      prefetch: spec.prefetch,
      fallbackToOlder: true,
    });
    ctx.primary = restored.instance;
    ctx.ledger.retarget(ctx.db(restored.instance), restored.instance.name);
    if (await old.isRunning()) await old.stop('fast');
    ctx.recorder.measure('recovery', {
      procedure: 'rebuild-from-object-store',
      backup: restored.backup.id,
      seconds: restored.seconds,
      replayEndLsn: restored.replayEndLsn ?? null,
    });
  },
};

/** New transactions on the damaged primary become read-only, so nothing is acknowledged after its WAL is archived. */
async function fence(ctx: DrillContext): Promise<void> {
  await withClient(ctx.primary.connection('postgres'), async (c) => {
    await c.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await c.query('SELECT pg_reload_conf()');
  });
  // Sessions read the new setting at their next statement; give in-flight commits time to finish.
  await sleep(300, ctx.signal);
  ctx.recorder.event('recover', `${ctx.primary.name} fenced: default_transaction_read_only = on`);
}
