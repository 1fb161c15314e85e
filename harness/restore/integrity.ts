import { createHash } from 'node:crypto';
import type { Drill } from '../engine/context.js';
import type { CatalogEntry } from './catalog.js';

/** Re-hashes every object of a base backup and compares it with the sha256 recorded in its catalog. */
export async function verifyBackupObjects(
  drill: Drill,
  entry: CatalogEntry,
  opts: { record?: boolean } = {},
): Promise<{ ok: boolean; problems: string[]; actual: Record<string, string> }> {
  const problems: string[] = [];
  const actual: Record<string, string> = {};
  for (const o of entry.objects) {
    const rel = drill.store.rel(o.key);
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of await drill.store.getStream(rel)) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      actual[rel] = hash.digest('hex');
      if (actual[rel] !== o.sha256)
        problems.push(
          `${rel}: sha256 ${actual[rel]} (${bytes} bytes) differs from the catalog's ${o.sha256} (${o.bytes} bytes)`,
        );
    } catch (err) {
      problems.push(`${rel}: ${(err as Error).message}`);
    }
  }
  if (opts.record !== false) {
    drill.recorder.check({
      name: `backup ${entry.id}: objects match the sha256 in its catalog`,
      status: problems.length ? 'failed' : 'passed',
      ...(problems.length ? { message: problems.join('; ') } : {}),
      evidence: { expected: Object.fromEntries(entry.objects.map((o) => [o.key, o.sha256])), actual },
    });
  }
  return { ok: problems.length === 0, problems, actual };
}
