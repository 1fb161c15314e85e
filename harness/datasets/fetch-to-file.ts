import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ReadOnlyStore } from '../restore-tests/source.js';

/** Downloads one object into `<workDir>/fetched/`, readable by the instance's user; returns the path. */
export async function fetchToFile(store: ReadOnlyStore, key: string, workDir: string): Promise<string> {
  const dir = join(workDir, 'fetched');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, basename(key));
  await pipeline(await store.getStream(key), createWriteStream(path, { mode: 0o644 }));
  return path;
}
