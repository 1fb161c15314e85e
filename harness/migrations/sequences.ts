import type pg from 'pg';
import { sequenceValues } from '../verification/table-probes.js';

/**
 * Sets every sequence of the target to the source's value (logical replication and explicit-key writes do
 * not move them). Returns what was set.
 */
export async function syncSequences(source: pg.Client, target: pg.Client): Promise<Record<string, string>> {
  const values = await sequenceValues(source);
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null) continue;
    await target.query('SELECT setval($1::regclass, $2::bigint, true)', [name, value]);
    set[name] = value;
  }
  return set;
}

/** Sequences of the target behind the source's (or missing, or never used while the source's was). */
export function sequencesBehind(
  source: Record<string, string | null>,
  target: Record<string, string | null>,
): { name: string; source: string; target: string | null }[] {
  return Object.entries(source)
    .filter(
      ([name, v]) =>
        v !== null && (target[name] === undefined || target[name] === null || BigInt(target[name]) < BigInt(v)),
    )
    .map(([name, v]) => ({ name, source: v!, target: target[name] ?? null }));
}
