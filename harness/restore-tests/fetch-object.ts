import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RestoreTest } from './context.js';

/** Downloads one source object into the work directory; returns its local path, size and sha256. */
export async function fetchObject(
  ctx: RestoreTest,
  key: string,
): Promise<{ path: string; bytes: number; sha256: string }> {
  const dir = join(ctx.workDir, 'fetched');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, basename(key));
  const hash = createHash('sha256');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(await ctx.source.store.getStream(key), count, createWriteStream(path, { mode: 0o644 }), {
    signal: ctx.signal,
  });
  return { path, bytes, sha256: hash.digest('hex') };
}

/** How a source object is named in messages: its full s3:// URL. */
export function objectUrl(ctx: Pick<RestoreTest, 'source'>, key: string): string {
  return `s3://${ctx.source.store.bucket}/${ctx.source.store.key(key)}`;
}
