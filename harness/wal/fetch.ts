import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, existsSync, rmSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { sha256, type ObjectStore } from '../objectstore/client.js';
import { walKey } from './push.js';
import { isSegmentName, nextSegment } from './segments.js';

/** restore_command exit codes: 1 is "not found"; above 125 PostgreSQL aborts recovery instead of ending it. */
export const RESTORE_NOT_FOUND = 1;
export const RESTORE_ABORT = 126;

/**
 * Fetches one WAL file into `dest`. With a spool directory, segments prefetched by a background
 * `wal prefetch` are taken from there, and the next `prefetch` segments are requested in parallel.
 */
export async function fetchWal(
  store: ObjectStore,
  name: string,
  dest: string,
  spool: string | undefined,
  prefetch: number,
  config: string,
): Promise<boolean> {
  if (spool) {
    mkdirSync(spool, { recursive: true });
    const spooled = join(spool, name);
    if (existsSync(spooled)) {
      renameSync(spooled, dest);
      startPrefetch(name, prefetch, spool, config);
      return true;
    }
  }
  const data = await download(store, name);
  if (!data) return false;
  await writeFile(`${dest}.drdrill-tmp`, data);
  await rename(`${dest}.drdrill-tmp`, dest);
  if (spool) startPrefetch(name, prefetch, spool, config);
  return true;
}

/** The object's bytes, checked against the sha256 recorded at archive time; undefined when absent. */
export async function download(store: ObjectStore, name: string): Promise<Buffer | undefined> {
  try {
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.bucket, Key: store.key(walKey(name, store.conn.walDir)) }),
    );
    const data = Buffer.from(await out.Body!.transformToByteArray());
    const expected = out.Metadata?.sha256;
    if (expected && sha256(data) !== expected)
      throw new Error(`${name} in the archive does not match its recorded sha256 (${expected}): refusing to replay it`);
    return data;
  } catch (err) {
    const e = err as { $metadata?: { httpStatusCode?: number }; name?: string };
    if (e.$metadata?.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound') return undefined;
    throw err;
  }
}

function startPrefetch(name: string, count: number, spool: string, config: string): void {
  if (count <= 0 || !isSegmentName(name)) return;
  // Detached: restore_command returns at once while the next segments download in parallel.
  const child = spawn(
    process.execPath,
    [
      '--no-warnings',
      process.argv[1]!,
      'wal',
      'prefetch',
      '--config',
      config,
      '--spool',
      spool,
      nextSegment(name),
      String(count),
    ],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
}

export function clearSpool(spool: string): void {
  rmSync(spool, { recursive: true, force: true });
}
