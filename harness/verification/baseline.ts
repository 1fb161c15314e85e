import type { DrillContext } from '../engine/context.js';
import { fingerprint, listTables, rowCount, sequenceValues, withClient } from './table-probes.js';
import { schemaDump } from './schema-dump.js';

/** The state of the dataset before the fault: what verification compares against. */
export interface Baseline {
  takenAt: string;
  rowCounts: Record<string, number>;
  fingerprints: Record<string, string>;
  sequences: Record<string, string | null>;
  /** Identity of each table's storage, to find records touching it in the WAL later (even after a DROP). */
  relations: Record<string, { oid: string; relfilenode: string; databaseOid: string }>;
  schema?: string;
}

export async function takeBaseline(ctx: DrillContext): Promise<Baseline> {
  const needsSchema = ctx.scenario.verify.some((s) => 'schemaDiff' in s);
  const baseline = await withClient(ctx.db(), async (c) => {
    const tables = await listTables(c);
    const rowCounts: Record<string, number> = {};
    const fingerprints: Record<string, string> = {};
    for (const t of tables) {
      rowCounts[t] = await rowCount(c, t);
      fingerprints[t] = await fingerprint(c, t);
    }
    const rel = await c.query<{ name: string; oid: string; relfilenode: string; datoid: string }>(
      `SELECT t AS name, t::regclass::oid::text AS oid, pg_relation_filenode(t::regclass)::text AS relfilenode,
              (SELECT oid FROM pg_database WHERE datname = current_database())::text AS datoid
         FROM unnest($1::text[]) AS t`,
      [tables],
    );
    const relations = Object.fromEntries(
      rel.rows.map((r) => [r.name, { oid: r.oid, relfilenode: r.relfilenode, databaseOid: r.datoid }]),
    );
    return {
      takenAt: new Date().toISOString(),
      rowCounts,
      fingerprints,
      sequences: await sequenceValues(c),
      relations,
    };
  });
  return needsSchema ? { ...baseline, schema: await schemaDump(ctx, ctx.primary) } : baseline;
}
