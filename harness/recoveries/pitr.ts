import { z } from 'zod';
import type { Drill } from '../engine/context.js';
import type { PgInstance } from '../environments/types.js';
import type { BackupMethod } from '../backups/index.js';
import { timelineSwitch } from '../measurement/recovery-point.js';
import { promotePaused, restoreBaseBackup } from '../restore/restore-base-backup.js';
import { restoreWithPgbackrest } from '../restore/restore-pgbackrest.js';
import { withClient } from '../util/pg-client.js';
import { baselinePart, rowCount } from '../verification/table-probes.js';
import { prepareTarget } from './prepare-target.js';
import { prefetchField, recoveryTargetSchema, type RecoveryTarget } from './target.js';
import { defineRecovery } from './types.js';

const PITR_SOURCES = ['basebackup', 'pgbackrest'] as const satisfies readonly BackupMethod[];

export const pitrSpec = z.strictObject({
  procedure: z.literal('pitr'),
  target: recoveryTargetSchema.optional(),
  from: z.enum(PITR_SOURCES).default('basebackup').describe('which backup method to restore from'),
  prefetch: prefetchField,
});

/**
 * The seed guide's procedure: restore the newest base backup into a new instance, replay archived WAL to just
 * before the destructive transaction, check the data on the paused instance, promote it, and move the
 * application (the workload) to it. Writes made after the target are discarded on purpose.
 */
export const pitr = defineRecovery<z.output<typeof pitrSpec>>({
  title: 'point-in-time recovery (base backup + WAL replay)',
  validate: (spec, scenario) => requireArchivedBaseBackup(spec.from, scenario),
  async recover(drill, spec) {
    const { target, foundXid, found } = await prepareTarget(drill, spec.target);
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
        ? await restoreWithPgbackrest(drill, options)
        : await restoreBaseBackup(drill, options);
    if (pause) {
      const blocked = await checkDamagedTablesOn(drill, restored.instance, { lockTimeoutMs: 2000 });
      drill.rto.mark('check-paused');
      await promotePaused(drill, restored.instance);
      drill.rto.mark('promote');
      // A DROP/TRUNCATE paused before its commit still holds its replayed lock; after promotion it is gone.
      if (blocked.length) await checkDamagedTablesOn(drill, restored.instance, { tables: blocked });
    }
    const old = drill.primary;
    drill.replacePrimary(restored.instance);
    // The damaged cluster is retired once the application writes to the restored one.
    await old.stop('immediate');
    const end = await timelineSwitch(restored.instance);
    drill.recoveryPoint = { lsn: end.lsn, description: `${targetWords(target, drill)}: replay stopped at ${end.lsn}` };
    return {
      backup: restored.backup.id,
      target,
      ...(found ? { foundInWal: found } : {}),
      restoreSeconds: restored.seconds,
      replayEndLsn: restored.replayEndLsn ?? null,
      timelineSwitch: end,
    };
  },
});

function targetWords(target: RecoveryTarget, drill: Drill): string {
  switch (target.type) {
    case 'before-fault':
      return `just before transaction ${drill.fault?.txid ?? '?'} (the fault)`;
    case 'find-in-wal':
      return 'just before the destructive transaction found in the WAL';
    case 'end-of-archive':
      return 'the end of the WAL archive';
    case 'immediate':
      return 'the end of the base backup (immediate)';
    default:
      return `${target.type} ${target.value}`;
  }
}

/**
 * Rows of the baseline in the tables the fault damaged must be back on the restored instance before it takes
 * over. With a lock timeout, tables still locked by the replayed destructive transaction are returned, unchecked.
 */
export async function checkDamagedTablesOn(
  drill: Drill,
  instance: PgInstance,
  opts: { lockTimeoutMs?: number; tables?: string[] } = {},
): Promise<string[]> {
  const tables = opts.tables ?? drill.fault?.tables ?? [];
  const blocked: string[] = [];
  await withClient(drill.db(instance), async (c) => {
    if (opts.lockTimeoutMs) await c.query(`SET lock_timeout = ${opts.lockTimeoutMs}`);
    for (const table of tables) {
      const expected = drill.baseline?.rowCounts[table];
      const actual = await rowCount(c, table, baselinePart(drill.baseline?.keys, table, drill.workload.acks)).catch(
        (err: Error & { code?: string }) => (err.code === '55P03' ? 'locked' : `error: ${err.message}`),
      );
      if (actual === 'locked') {
        blocked.push(table);
        drill.recorder.event(
          'recover',
          `${table} is locked on the paused instance by the replayed destructive transaction; checked after promotion`,
        );
        continue;
      }
      drill.recorder.check({
        name: `${table} is back on the ${opts.lockTimeoutMs ? 'paused' : 'restored'} instance`,
        status: actual === expected ? 'passed' : 'failed',
        ...(actual === expected ? {} : { message: `expected ${expected} baseline rows, found ${actual}` }),
        evidence: { query: `SELECT count(*) FROM ${table} (baseline rows)`, expected, actual },
      });
    }
  });
  return blocked;
}

export function requireArchivedBaseBackup(
  from: 'basebackup' | 'pgbackrest',
  scenario: { backup: { method: string; archiveWal?: boolean }[] },
): string[] {
  if (from === 'pgbackrest')
    return scenario.backup.some((b) => b.method === 'pgbackrest')
      ? []
      : ['recovery.from "pgbackrest" needs backup: [{ method: pgbackrest }]'];
  return scenario.backup.some((b) => b.method === 'basebackup' && b.archiveWal !== false)
    ? []
    : ['needs a base backup with WAL archiving (backup: [{ method: basebackup, archiveWal: true }])'];
}
