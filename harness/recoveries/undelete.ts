import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { z } from 'zod';
import type { Drill } from '../engine/context.js';
import { DRILL_DATABASE } from '../engine/context.js';
import type { PgInstance } from '../environments/types.js';
import { restoreBaseBackup } from '../restore/restore-base-backup.js';
import { connectClient, withClient } from '../util/pg-client.js';
import { baselinePart, quoteIdent, rowCount } from '../verification/table-probes.js';
import { checkDamagedTablesOn, requireArchivedBaseBackup } from './pitr.js';
import { prepareTarget } from './prepare-target.js';
import { prefetchField, recoveryTargetSchema } from './target.js';
import { defineRecovery } from './types.js';

export const undeleteSpec = z.strictObject({
  procedure: z.literal('undelete'),
  target: recoveryTargetSchema.optional(),
  prefetch: prefetchField,
});

/**
 * What a careful DBA does: PITR a side instance paused just before the fault, then copy the lost rows (or the
 * dropped table) back into the live primary, which kept taking writes. Nothing written after the incident
 * is lost, because the primary is never replaced.
 */
export const undelete = defineRecovery<z.output<typeof undeleteSpec>>({
  title: 'copying the lost rows back from a side instance restored to just before the fault',
  validate: (_spec, scenario) => requireArchivedBaseBackup('basebackup', scenario),
  async recover(drill, spec) {
    const { target, foundXid } = await prepareTarget(drill, spec.target);
    // Promoted, not paused: a paused replay still holds the AccessExclusiveLock of an in-flight DROP or
    // TRUNCATE, which would block the copy. The side instance does not archive, so promoting it is harmless.
    const side = await restoreBaseBackup(drill, {
      instanceName: 'side',
      target,
      action: 'promote',
      prefetch: spec.prefetch,
      archive: false,
      fallbackToOlder: true,
      ...(foundXid ? { foundXid } : {}),
    });
    await checkDamagedTablesOn(drill, side.instance);
    drill.rto.mark('check-side-instance');
    const copied = await copyBack(drill, side.instance);
    drill.rto.mark('copy-back');
    await side.instance.stop('fast');
    return { backup: side.backup.id, target, copied, restoreSeconds: side.seconds };
  },
});

/** Copies every row the primary lost (by primary key) from the side instance, parents before children. */
async function copyBack(drill: Drill, side: PgInstance): Promise<Record<string, number>> {
  const baseline = drill.baseline;
  if (!baseline) throw new Error('no baseline was taken before the fault');
  const copied: Record<string, number> = {};
  const sideConn = drill.db(side);
  const order = await withClient(sideConn, (c) => tablesInDependencyOrder(c, Object.keys(baseline.rowCounts)));
  await withClient(drill.db(), async (primary) => {
    for (const table of order) {
      const exists = (
        await primary.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [quoteIdent(table)])
      ).rows[0]!.ok;
      if (!exists) await recreateTable(drill, side, table);
      // Tables the fault did not touch are left alone; the others get every missing row back.
      const before = await rowCount(primary, table, baselinePart(baseline.keys, table, drill.workload.acks));
      const damaged = drill.fault?.tables?.includes(table) ?? false;
      if (!damaged && before === baseline.rowCounts[table]) continue;
      await primary.query('BEGIN');
      await primary.query(`CREATE TEMP TABLE drdrill_undelete (LIKE ${quoteIdent(table)}) ON COMMIT DROP`);
      const source = await connectClient(sideConn);
      try {
        await pipeline(
          source.query(copyTo(`COPY ${quoteIdent(table)} TO STDOUT`)),
          primary.query(copyFrom('COPY drdrill_undelete FROM STDIN')),
        );
      } finally {
        await source.end();
      }
      const r = await primary.query(
        `INSERT INTO ${quoteIdent(table)} SELECT * FROM drdrill_undelete ON CONFLICT DO NOTHING`,
      );
      await primary.query('COMMIT');
      copied[table] = r.rowCount ?? 0;
      drill.recorder.event('recover', `copied ${copied[table]} rows of ${table} back from the side instance`);
    }
    // Sequences must not hand out ids of the rows that came back.
    for (const table of order) {
      const seq = (
        await primary.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [table])
      ).rows[0]?.seq;
      if (seq)
        await primary.query(
          `SELECT setval($1, greatest((SELECT last_value FROM ${seq}), (SELECT coalesce(max(id), 1) FROM ${quoteIdent(table)})))`,
          [seq],
        );
    }
  });
  return copied;
}

/** A dropped table comes back with its definition, indexes and constraints, from the side instance. */
async function recreateTable(drill: Drill, side: PgInstance, table: string): Promise<void> {
  const dump = await side.runTool('pg_dump', { args: ['-s', '-t', table, '--no-owner', DRILL_DATABASE] });
  await drill.primary.runTool('psql', {
    args: ['-v', 'ON_ERROR_STOP=1', '-q', '-d', DRILL_DATABASE],
    stdin: dump.stdout,
  });
  drill.recorder.event('recover', `recreated ${table} on the primary from the side instance's schema`);
}

async function tablesInDependencyOrder(c: pg.Client, tables: string[]): Promise<string[]> {
  const r = await c.query<{ child: string; parent: string }>(
    `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint WHERE contype = 'f'`,
  );
  const ordered: string[] = [];
  const visit = (t: string, seen: Set<string>) => {
    if (ordered.includes(t) || seen.has(t)) return;
    seen.add(t);
    for (const e of r.rows) if (e.child === t && e.parent !== t) visit(e.parent, seen);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered.filter((t) => tables.includes(t));
}
