import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'signature.json';
export const BUNDLE_FORMAT = 'drdrill-evidence/v1';

export interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  drill: string;
  verdict: string;
  startedAt: string;
  createdAt: string;
  drdrillVersion: string;
  algorithm: 'sha256';
  files: ManifestEntry[];
  /** Changes made after the bundle was created (drdrill annotate), oldest first. */
  amendments?: Amendment[];
}

export interface Amendment {
  at: string;
  by?: string;
  change: string;
  /** The journal's sha256 after the change. */
  journalSha256: string;
}

/** Files the manifest covers: everything except the manifest and its signature. */
export async function listBundleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.filter((f) => f !== MANIFEST_FILE && f !== SIGNATURE_FILE).sort();
}

export function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(file)
      .on('data', (chunk: string | Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}

export async function hashBundleFiles(dir: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for (const path of await listBundleFiles(dir)) out.push({ path, ...(await sha256File(join(dir, path))) });
  return out;
}
