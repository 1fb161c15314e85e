import type { Drill } from '../engine/context.js';
import type { Baseline } from '../engine/journal.js';
import { withClient } from '../util/pg-client.js';
import { schemaDump } from './schema-dump.js';
import { baselinePart, fingerprint, integerKey, listTables, rowCount, sequenceValues } from './table-probes.js';

export async function takeBaseline(drill: Drill): Promise<Baseline> {
  const needsSchema = drill.scenario.verify.some((s) => 'schemaDiff' in s);
  const baseline = await withClient(drill.db(), async (c) => {
    const tables = await listTables(c);
    const keys: Baseline['keys'] = {};
    const rowCounts: Record<string, number> = {};
    const fingerprints: Record<string, string> = {};
    for (const t of tables) {
      keys[t] = await integerKey(c, t);
      const part = baselinePart(keys, t);
      rowCounts[t] = await rowCount(c, t, part);
      fingerprints[t] = await fingerprint(c, t, part);
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
      keys,
      relations,
    };
  });
  return needsSchema ? { ...baseline, schema: await schemaDump(drill.primary) } : baseline;
}
