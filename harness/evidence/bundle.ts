import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { Journal } from '../engine/journal.js';
import { DRDRILL_VERSION } from '../engine/version.js';
import { redact } from '../util/logger.js';
import { renderDrillReports } from '../../reports/index.js';
import {
  BUNDLE_FORMAT,
  hashBundleFiles,
  listBundleFiles,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  type Manifest,
} from './manifest.js';
import { filesHoldingSecrets, isText, registerScenarioSecrets } from './secrets.js';
import { keyFromEnv, signManifest, type SignatureAlgorithm } from './sign.js';
import { writeTarGz } from './tar.js';

/** Report files the bundle renders afresh from the journal rather than copying. */
const RENDERED = new Set(['report.html', 'report.md', 'junit.xml']);
export const BUNDLE_REPORTERS = ['html', 'md', 'junit'];

export interface BundleOptions {
  drillDir: string;
  /** Default: <drillDir>-evidence next to the drill directory. */
  out?: string;
  tar?: boolean;
  sign?: { algorithm: SignatureAlgorithm; keyEnv: string };
  now?: Date;
}

export interface BundleResult {
  dir: string;
  tarGz?: string;
  files: number;
  signed: boolean;
}

/**
 * Builds an evidence bundle: the journal, reports rendered from it, the redacted logs and tool outputs,
 * and a SHA-256 manifest, optionally signed. Refuses to finish if any file still holds a secret.
 */
export async function createBundle(opts: BundleOptions): Promise<BundleResult> {
  const drillDir = resolve(opts.drillDir);
  const journal = await readJournal(drillDir);
  registerScenarioSecrets(journal);
  const key = opts.sign ? keyFromEnv(opts.sign.keyEnv) : undefined;
  const out = resolve(opts.out ?? `${drillDir}-evidence`);
  if (existsSync(out) && (await readdir(out)).length)
    throw new DrillError('invalid-config', `${out} already exists and is not empty; remove it or pass --out`);
  if (out === drillDir || drillDir.startsWith(out + sep))
    throw new DrillError('invalid-config', `--out ${out} would contain the drill directory itself`);

  await mkdir(out, { recursive: true });
  try {
    for (const file of await listDrillFiles(drillDir, out)) {
      const content = await readFile(join(drillDir, file));
      await mkdir(dirname(join(out, file)), { recursive: true });
      if (isText(content)) await writeFile(join(out, file), redact(content.toString('utf8')));
      else await copyFile(join(drillDir, file), join(out, file));
    }
    await renderDrillReports(journal, out, BUNDLE_REPORTERS);

    const leaking = await filesHoldingSecrets(out, await listBundleFiles(out));
    if (leaking.length)
      throw new DrillError(
        'error',
        `refusing to bundle: ${leaking.join(', ')} still ${leaking.length === 1 ? 'holds' : 'hold'} a secret after redaction (a binary file cannot be redacted)`,
      );

    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      drill: journal.drill,
      verdict: journal.verdict,
      startedAt: journal.startedAt,
      createdAt: (opts.now ?? new Date()).toISOString(),
      drdrillVersion: DRDRILL_VERSION,
      algorithm: 'sha256',
      files: await hashBundleFiles(out),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
    await writeFile(join(out, MANIFEST_FILE), manifestBytes);
    if (opts.sign && key)
      await writeFile(
        join(out, SIGNATURE_FILE),
        JSON.stringify(signManifest(manifestBytes, opts.sign.algorithm, key, MANIFEST_FILE), null, 2) + '\n',
      );

    let tarGz: string | undefined;
    if (opts.tar) {
      tarGz = `${out}.tar.gz`;
      const files = [...(await listBundleFiles(out)), MANIFEST_FILE, ...(opts.sign ? [SIGNATURE_FILE] : [])];
      await writeTarGz(out, files, basename(out), tarGz, new Date(manifest.createdAt));
    }
    return { dir: out, ...(tarGz ? { tarGz } : {}), files: manifest.files.length, signed: !!opts.sign };
  } catch (err) {
    // A half-made bundle must not be mistaken for evidence.
    await rm(out, { recursive: true, force: true });
    throw err instanceof DrillError
      ? err
      : new DrillError('error', `evidence bundle: ${errorMessage(err)}`, { cause: err });
  }
}

async function readJournal(drillDir: string): Promise<Journal> {
  const file = join(drillDir, 'journal.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DrillError(
      'invalid-config',
      `${drillDir}: no journal.json here; give the drill's results directory (<out>/<drill>)`,
    );
  }
  try {
    return JSON.parse(text) as Journal;
  } catch (err) {
    throw new DrillError('invalid-config', `${file}: not valid JSON (${errorMessage(err)})`);
  }
}

async function listDrillFiles(drillDir: string, out: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (full === out || full.startsWith(out + sep)) continue;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(relative(drillDir, full).split(sep).join('/'));
    }
  };
  await walk(drillDir);
  return files.filter((f) => !RENDERED.has(f));
}
