import type { ObjectStore } from '../objectstore/client.js';

/** One base backup in the object store, as described by its catalog object `backups/<id>/backup.json`. */
export interface CatalogEntry {
  id: string;
  label: string;
  startLsn: string;
  stopLsn: string;
  timeline: number;
  startedAt: string;
  finishedAt: string;
  bytes: number;
  objects: { key: string; bytes: number; sha256: string }[];
}

export const catalogKey = (id: string) => `backups/${id}/backup.json`;

/** Every base backup with a catalog object, oldest first. */
export async function listBaseBackups(store: ObjectStore): Promise<CatalogEntry[]> {
  const keys = (await store.list('backups/')).filter((o) => o.key.endsWith('/backup.json'));
  const entries = await Promise.all(
    keys.map(async (o) => JSON.parse((await store.getBuffer(o.key)).toString('utf8')) as CatalogEntry),
  );
  return entries.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}
