import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { DrillError } from '../engine/errors.js';

/** Packs `files` (relative to dir) under `top/` with a fixed mtime, so the archive depends on content only. */
export async function writeTarGz(dir: string, files: string[], top: string, file: string, mtime: Date): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(file));
  for (const f of files) {
    const content = await readFile(join(dir, f));
    await new Promise<void>((ok, fail) =>
      pack.entry({ name: `${top}/${f}`, size: content.length, mode: 0o644, mtime }, content, (err) =>
        err ? fail(err) : ok(),
      ),
    );
  }
  pack.finalize();
  await done;
}

/** Extracts a .tar.gz into dir, refusing entries that would land outside it. Returns the single top folder. */
export async function extractTarGz(file: string, dir: string): Promise<string> {
  const extract = tar.extract();
  const root = resolve(dir);
  const tops = new Set<string>();
  const reading = pipeline(createReadStream(file), createGunzip(), extract);
  for await (const entry of extract) {
    const target = resolve(root, entry.header.name);
    if (!target.startsWith(root + sep))
      throw new DrillError('failed', `${file}: entry "${entry.header.name}" points outside the bundle`);
    tops.add(entry.header.name.split('/')[0]!);
    if (entry.header.type === 'file') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, Buffer.concat(chunks));
    } else entry.resume();
  }
  await reading;
  if (tops.size !== 1)
    throw new DrillError('failed', `${file}: expected one top-level folder in the archive, found ${tops.size}`);
  return join(root, [...tops][0]!);
}
