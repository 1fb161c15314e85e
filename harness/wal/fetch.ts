import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../objectstore/client.js';
import { claimHolder, ensurePrefetcher, markWanted, processAlive } from './prefetch.js';
import { isSegmentName } from './segments.js';

/** restore_command exit codes: 1 is "not found"; above 125 PostgreSQL aborts recovery instead of ending it. */
export const RESTORE_NOT_FOUND = 1;
export const RESTORE_ABORT = 126;

/** The object store, created on first use: a restore_command served from the spool never loads the S3 SDK. */
export type LazyStore = () => Promise<ObjectStore>;

/** How long a restore_command waits for a segment the prefetcher is downloading before fetching it itself. */
const CLAIM_WAIT_MS = 60_000;

/**
 * Fetches one WAL file into `dest`. With a spool directory and a prefetch depth, a background prefetcher
 * (`wal prefetch`, one per recovery) keeps the next segments downloaded; this takes them from the spool.
 */
export async function fetchWal(
  store: LazyStore,
  name: string,
  dest: string,
  spool: string | undefined,
  prefetch: number,
  config: string,
): Promise<boolean> {
  const ahead = spool && prefetch > 0 && isSegmentName(name) ? spool : undefined;
  if (ahead) {
    mkdirSync(ahead, { recursive: true });
    markWanted(ahead, name);
    // Started before this segment is needed from the store, so the next ones download meanwhile.
    ensurePrefetcher(ahead, prefetch, config);
    if (await takeFromSpool(ahead, name, dest)) return true;
  }
  const data = await download(await store(), name);
  if (!data) return false;
  await writeFile(`${dest}.drdrill-tmp`, data);
  await rename(`${dest}.drdrill-tmp`, dest);
  return true;
}

/** A segment already in the spool, or being downloaded into it by a live prefetcher, is taken from there. */
async function takeFromSpool(spool: string, name: string, dest: string): Promise<boolean> {
  const spooled = join(spool, name);
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    try {
      renameSync(spooled, dest);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const holder = claimHolder(spool, name);
    if (!holder || !processAlive(holder) || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The object's bytes, checked against the sha256 recorded at archive time; undefined when absent. */
export async function download(store: ObjectStore, name: string): Promise<Buffer | undefined> {
  return (await import('./download.js')).downloadWal(store, name);
}

export function clearSpool(spool: string): void {
  rmSync(spool, { recursive: true, force: true });
}
