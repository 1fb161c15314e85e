import { readFile } from 'node:fs/promises';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256, type ObjectStore } from '../objectstore/client.js';

/** Where a WAL file is archived, under the store's prefix (`walDir`: a user's own layout, default wal/). */
export const walKey = (name: string, walDir = 'wal/') => `${walDir}${name}`;

/**
 * Archives one WAL file. Idempotent: the same content already stored is a success (PostgreSQL retries
 * after a crash between upload and acknowledgement); different content is a conflict, never overwritten.
 */
export async function pushWal(
  store: ObjectStore,
  path: string,
  name: string,
): Promise<'stored' | 'already-archived' | 'conflict'> {
  const data = await readFile(path);
  const digest = sha256(data);
  const Key = store.key(walKey(name));
  const existing = await store.client
    .send(new HeadObjectCommand({ Bucket: store.bucket, Key }))
    .catch((err: { $metadata?: { httpStatusCode?: number }; name?: string }) => {
      if (err.$metadata?.httpStatusCode === 404 || err.name === 'NotFound') return undefined;
      throw err;
    });
  if (existing) {
    if (existing.Metadata?.sha256 === digest) return 'already-archived';
    if (!existing.Metadata?.sha256 && sha256(await store.getBuffer(walKey(name))) === digest) return 'already-archived';
    return 'conflict';
  }
  await store.client.send(
    new PutObjectCommand({
      Bucket: store.bucket,
      Key,
      Body: data,
      ContentLength: data.length,
      Metadata: { sha256: digest },
    }),
  );
  return 'stored';
}
