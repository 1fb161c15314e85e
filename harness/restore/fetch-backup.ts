import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DrillError } from '../engine/errors.js';
import type { PgInstance } from '../environments/types.js';
import type { ObjectStore } from '../objectstore/client.js';

/** Objects above this size are fetched as ranged GETs in parallel; below it one GET is as fast. */
export const PARALLEL_FETCH_MIN_BYTES = 64 * 1024 * 1024;
export const FETCH_PART_BYTES = 16 * 1024 * 1024;
export const FETCH_PARALLEL = 4;

export interface FetchedBackup {
  sha256: string;
  bytes: number;
  /** Set when the object was read in full but could not be extracted (e.g. a full disk). */
  extractError?: unknown;
}

/**
 * Downloads a base backup's tar once, into an instance's data directory, hashing it on the way: the sha256 to
 * compare with the catalog is known when the last byte is extracted, without reading the object twice. Large
 * objects come as parallel ranged GETs, written to tar in order. A tar that stops early (damaged headers)
 * does not stop the hashing: the integrity check still sees the whole object.
 */
export async function fetchBackupInto(
  store: ObjectStore,
  rel: string,
  instance: PgInstance,
  opts: { parallel?: number; partBytes?: number } = {},
): Promise<FetchedBackup> {
  const hash = createHash('sha256');
  let bytes = 0;
  const toTar = new PassThrough();
  let extractError: unknown;
  let tarDone = false;
  const extracting = instance.extractTar(toTar).then(
    () => void (tarDone = true),
    (err: unknown) => {
      extractError = err;
      tarDone = true;
    },
  );
  try {
    for await (const chunk of objectChunks(store, rel, opts)) {
      hash.update(chunk);
      bytes += chunk.length;
      if (tarDone) continue;
      if (!toTar.write(chunk)) await Promise.race([once(toTar, 'drain'), extracting]);
    }
  } catch (err) {
    toTar.destroy();
    await extracting;
    throw err;
  }
  toTar.end();
  await extracting;
  return { sha256: hash.digest('hex'), bytes, ...(extractError ? { extractError } : {}) };
}

/** The object's bytes in order: one streamed GET, or for large objects ranged GETs with `parallel` in flight. */
export async function* objectChunks(
  store: ObjectStore,
  rel: string,
  opts: { parallel?: number; partBytes?: number } = {},
): AsyncGenerator<Buffer> {
  const parallel = opts.parallel ?? FETCH_PARALLEL;
  const partBytes = opts.partBytes ?? FETCH_PART_BYTES;
  const Key = store.key(rel);
  const head = await store.head(rel);
  if (!head) throw new DrillError('failed', `s3://${store.bucket}/${Key} does not exist`);
  const size = head.bytes;
  if (parallel <= 1 || size < PARALLEL_FETCH_MIN_BYTES) {
    for await (const chunk of await store.getStream(rel)) yield chunk as Buffer;
    return;
  }
  const parts = Math.ceil(size / partBytes);
  const part = async (i: number) => {
    const Range = `bytes=${i * partBytes}-${Math.min(size, (i + 1) * partBytes) - 1}`;
    // The version read first: a replaced object would otherwise mix two uploads' bytes.
    const out = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key, Range, IfMatch: head.etag }));
    return Buffer.from(await out.Body!.transformToByteArray());
  };
  const pending: Promise<Buffer>[] = [];
  let next = 0;
  const refill = () => {
    while (next < parts && pending.length < parallel) {
      const p = part(next++);
      p.catch(() => {}); // awaited in order below; a failure there ends the download
      pending.push(p);
    }
  };
  refill();
  while (pending.length) {
    const buf = await pending.shift()!;
    refill();
    yield buf;
  }
}
