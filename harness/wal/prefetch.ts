import { existsSync, openSync, closeSync, unlinkSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '../objectstore/client.js';
import { download } from './fetch.js';
import { nextSegment } from './segments.js';

/** Downloads `count` segments from `first` into the spool, in parallel, skipping those present or claimed. */
export async function prefetchWal(store: ObjectStore, first: string, count: number, spool: string): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => nextSegment(first, i));
  await Promise.all(
    names.map(async (name) => {
      const target = join(spool, name);
      const claim = `${target}.claim`;
      if (existsSync(target)) return;
      let fd: number;
      try {
        fd = openSync(claim, 'wx');
      } catch {
        return; // another prefetch has it
      }
      closeSync(fd);
      try {
        const data = await download(store, name);
        if (data) {
          await writeFile(`${target}.tmp`, data);
          await rename(`${target}.tmp`, target);
        }
      } catch {
        // A failed prefetch is not an error: restore_command downloads the segment itself and reports it.
      } finally {
        unlinkSync(claim);
      }
    }),
  );
}
