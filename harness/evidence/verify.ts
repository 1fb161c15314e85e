import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DrillError, errorMessage } from '../engine/errors.js';
import { hashBundleFiles, MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from './manifest.js';
import { keyFromEnv, verifySignature, type SignatureFile } from './sign.js';
import { extractTarGz } from './tar.js';

export interface VerifyResult {
  ok: boolean;
  /** One line per problem, each naming the file: "changed: x", "missing: y", "added: z". */
  problems: string[];
  files: number;
  signature: 'valid' | 'invalid' | 'absent' | 'not-checked';
  /** Changes recorded after the bundle was made (drdrill annotate). */
  amendments: NonNullable<Manifest['amendments']>;
}

/** Checks every file of a bundle (directory or .tar.gz) against its manifest, and the signature when a key is given. */
export async function verifyBundle(path: string, opts: { keyEnv?: string } = {}): Promise<VerifyResult> {
  const target = resolve(path);
  if (!existsSync(target)) throw new DrillError('invalid-config', `${path}: no such bundle`);
  if (statSync(target).isDirectory()) return verifyDirectory(target, opts);
  const scratch = mkdtempSync(join(tmpdir(), 'drdrill-verify-'));
  try {
    return await verifyDirectory(await extractTarGz(target, scratch), opts);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function verifyDirectory(dir: string, opts: { keyEnv?: string }): Promise<VerifyResult> {
  let manifestBytes: Buffer;
  let manifest: Manifest;
  try {
    manifestBytes = await readFile(join(dir, MANIFEST_FILE));
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  } catch (err) {
    throw new DrillError('failed', `${dir}: not an evidence bundle (${MANIFEST_FILE}: ${errorMessage(err)})`);
  }
  const expected = new Map(manifest.files.map((f) => [f.path, f]));
  const actual = await hashBundleFiles(dir);
  const problems: string[] = [];
  for (const f of actual) {
    const want = expected.get(f.path);
    if (!want) problems.push(`added: ${f.path}`);
    else if (want.sha256 !== f.sha256 || want.bytes !== f.bytes)
      problems.push(`changed: ${f.path} (sha256 ${f.sha256}, manifest says ${want.sha256})`);
  }
  const present = new Set(actual.map((f) => f.path));
  for (const f of manifest.files) if (!present.has(f.path)) problems.push(`missing: ${f.path}`);

  let signature: VerifyResult['signature'] = 'absent';
  const sigFile = join(dir, SIGNATURE_FILE);
  if (existsSync(sigFile)) {
    signature = 'not-checked';
    if (opts.keyEnv) {
      const sig = JSON.parse(await readFile(sigFile, 'utf8')) as SignatureFile;
      signature = verifySignature(manifestBytes, sig, keyFromEnv(opts.keyEnv)) ? 'valid' : 'invalid';
      if (signature === 'invalid')
        problems.push(
          `changed: ${MANIFEST_FILE} or ${SIGNATURE_FILE} (the ${sig.algorithm} signature does not match the key in ${opts.keyEnv})`,
        );
    }
  } else if (opts.keyEnv) problems.push(`missing: ${SIGNATURE_FILE} (a key was given but the bundle is not signed)`);
  return {
    ok: problems.length === 0,
    problems,
    files: actual.length,
    signature,
    amendments: manifest.amendments ?? [],
  };
}
