import { GetObjectCommand } from '@aws-sdk/client-s3';
import { sha256, type ObjectStore } from '../objectstore/client.js';
import { walKey } from './push.js';

/** How often a segment read while its upload is still being written is read again before recovery aborts. */
const INCOMPLETE_READ_ATTEMPTS = 5;

/**
 * The object's bytes, checked against the sha256 recorded at archive time; undefined when absent. Some S3
 * servers (s3rver) serve an object while its PUT is still streaming in, so a short or mismatching read is
 * tried again before it is called damaged.
 */
export async function downloadWal(store: ObjectStore, name: string): Promise<Buffer | undefined> {
  for (let attempt = 1; ; attempt++) {
    const got = await downloadOnce(store, name);
    if (got === undefined) return undefined;
    if (got.expected === undefined || sha256(got.data) === got.expected) return got.data;
    if (attempt >= INCOMPLETE_READ_ATTEMPTS)
      throw new Error(
        `${name} in the archive does not match its recorded sha256 (${got.expected}) after ${attempt} reads ` +
          `(${got.data.length} bytes): refusing to replay it`,
      );
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

async function downloadOnce(
  store: ObjectStore,
  name: string,
): Promise<{ data: Buffer; expected: string | undefined } | undefined> {
  try {
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.bucket, Key: store.key(walKey(name, store.conn.walDir)) }),
    );
    return { data: Buffer.from(await out.Body!.transformToByteArray()), expected: out.Metadata?.sha256 };
  } catch (err) {
    const e = err as { $metadata?: { httpStatusCode?: number }; name?: string };
    if (e.$metadata?.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound') return undefined;
    throw err;
  }
}
