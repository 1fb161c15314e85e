import type { DrillContext } from '../engine/context.js';
import { promotePaused, restoreBaseBackup } from '../restore/restore-base-backup.js';
import { restoreWithPgbackrest } from '../restore/restore-pgbackrest.js';
import type { RecoverySpec, RecoveryTarget } from '../scenario/schema.js';
import { rowCount, withClient } from '../verification/table-probes.js';
import { prepareTarget } from './find-in-wal.js';
import type { RecoveryDefinition } from './types.js';

/**
 * The seed guide's procedure: restore the newest base backup into a new instance, replay archived WAL to just
 * before the destructive transaction, check the data on the paused instance, promote it, and move the
 * application (the ledger) to it. Writes made after the target are discarded on purpose.
 */
export const pitr: RecoveryDefinition = {
  procedure: 'pitr',
  validate: (spec, scenario) => requireArchivedBaseBackup(spec, scenario),
  async recover(ctx, spec) {
    const { target, foundXid, found } = await prepareTarget(ctx, spec);
    const pause = target.type !== 'end-of-archive';
    const options = {
      instanceName: 'restored',
      target,
      action: pause ? ('pause' as const) : ('promote' as const),
      prefetch: spec.prefetch,
      fallbackToOlder: true,
      ...(foundXid ? { foundXid } : {}),
    };
    const restored =
      spec.from === 'pgbackrest'
        ? {
            ...(await restoreWithPgbackrest(ctx, options)),
            backup: { id: 'pgbackrest latest' },
            replayEndLsn: undefined,
          }
        : await restoreBaseBackup(ctx, options);
    if (pause) {
      const blocked = await checkDamagedTablesOn(ctx, restored.instance, { lockTimeoutMs: 2000 });
      ctx.rto.mark('check-paused');
      await promotePaused(ctx, restored.instance);
      ctx.rto.mark('promote');
      // A DROP/TRUNCATE paused before its commit still holds its replayed lock; after promotion it is gone.
      if (blocked.length) await checkDamagedTablesOn(ctx, restored.instance, { tables: blocked });
    }
    const old = ctx.primary;
    ctx.primary = restored.instance;
    ctx.ledger.retarget(ctx.db(restored.instance), restored.instance.name);
    // The damaged cluster is retired once the application writes to the restored one.
    await old.stop('fast');
    ctx.facts.recoveryTargetAt = targetTime(target, ctx);
    ctx.recorder.measure('recovery', {
      procedure: 'pitr',
      backup: restored.backup.id,
      target,
      ...(found ? { foundInWal: found } : {}),
      seconds: restored.seconds,
      replayEndLsn: restored.replayEndLsn ?? null,
    });
  },
};

/**
 * Rows of the tables the fault damaged must be back on the restored instance before it takes over.
 * With a lock timeout, tables still locked by the replayed destructive transaction are returned, unchecked.
 */
export async function checkDamagedTablesOn(
  ctx: DrillContext,
  instance: DrillContext['primary'],
  opts: { lockTimeoutMs?: number; tables?: string[] } = {},
): Promise<string[]> {
  const tables = opts.tables ?? ctx.fault?.tables ?? [];
  const blocked: string[] = [];
  await withClient(ctx.db(instance), async (c) => {
    if (opts.lockTimeoutMs) await c.query(`SET lock_timeout = ${opts.lockTimeoutMs}`);
    for (const table of tables) {
      const expected = ctx.baseline?.rowCounts[table];
      const actual = await rowCount(c, table).catch((err: Error & { code?: string }) =>
        err.code === '55P03' ? 'locked' : `error: ${err.message}`,
      );
      if (actual === 'locked') {
        blocked.push(table);
        ctx.recorder.event(
          'recover',
          `${table} is locked on the paused instance by the replayed destructive transaction; checked after promotion`,
        );
        continue;
      }
      ctx.recorder.check({
        name: `${table} is back on the ${opts.lockTimeoutMs ? 'paused' : 'restored'} instance`,
        status: actual === expected ? 'passed' : 'failed',
        ...(actual === expected ? {} : { message: `expected ${expected} rows, found ${actual}` }),
        evidence: { query: `SELECT count(*) FROM ${table}`, expected, actual },
      });
    }
  });
  return blocked;
}

/** Wall-clock time of the recovery target, to split RPO into intended and unintended loss. */
function targetTime(target: RecoveryTarget, ctx: DrillContext): number | undefined {
  if (target.type === 'time') return Date.parse(target.value);
  if (target.type === 'end-of-archive') return undefined;
  return (ctx.fault?.commitAt as number | undefined) ?? ctx.fault?.at;
}

export function requireArchivedBaseBackup(
  spec: RecoverySpec,
  scenario: { backup: { method: string; archiveWal?: boolean }[] },
): string[] {
  if (spec.from === 'pgbackrest')
    return scenario.backup.some((b) => b.method === 'pgbackrest')
      ? []
      : ['recovery.from "pgbackrest" needs backup: [{ method: pgbackrest }]'];
  return scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal !== false)
    ? []
    : ['needs a base backup with WAL archiving (backup: [{ method: basebackup, archiveWal: true }])'];
}
