import { GetObjectCommand } from '@aws-sdk/client-s3';
import { sha256, type ObjectStore } from '../objectstore/client.js';
import { walKey } from './push.js';

/** The object's bytes, checked against the sha256 recorded at archive time; undefined when absent. */
export async function downloadWal(store: ObjectStore, name: string): Promise<Buffer | undefined> {
  try {
    const out = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: store.key(walKey(name)) }));
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
