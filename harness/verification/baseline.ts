import type { DrillContext } from '../engine/context.js';
import { fingerprint, listTables, rowCount, sequenceValues, withClient } from './table-probes.js';
import { schemaDump } from './schema-dump.js';

/** The state of the dataset before the fault: what verification compares against. */
export interface Baseline {
  takenAt: string;
  rowCounts: Record<string, number>;
  fingerprints: Record<string, string>;
  sequences: Record<string, string | null>;
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
    return { takenAt: new Date().toISOString(), rowCounts, fingerprints, sequences: await sequenceValues(c) };
  });
  return needsSchema ? { ...baseline, schema: await schemaDump(ctx, ctx.primary) } : baseline;
}
