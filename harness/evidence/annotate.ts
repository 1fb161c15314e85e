import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { AuditFinding, Journal } from '../engine/journal.js';
import { redact } from '../util/logger.js';
import { checkReporterPrerequisites, renderDrillReports } from '../../reports/index.js';
import { parseJournal } from '../../reports/journals.js';
import { BUNDLE_REPORTERS } from './bundle.js';
import {
  hashBundleFiles,
  listBundleFiles,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  sha256File,
  type Manifest,
} from './manifest.js';
import { registerScenarioSecrets } from './secrets.js';
import { keyFromEnv, signManifest, type SignatureAlgorithm, type SignatureFile } from './sign.js';
import { writeTarGz } from './tar.js';
import { verifyBundle } from './verify.js';

export interface AnnotateOptions {
  /** A journal.json, or the directory holding it: a drill's results or its evidence bundle. */
  target: string;
  finding: string;
  remediation?: string;
  /** Who records it; default the current user. */
  by?: string;
  /** The signing key of a signed bundle (ed25519 private key or HMAC key). */
  keyEnv?: string;
  now?: Date;
}

export interface AnnotateResult {
  journal: string;
  finding: AuditFinding;
  /** Files rewritten, journals first. */
  written: string[];
  bundles: { dir: string; signed: boolean }[];
}

/** Report files next to a drill's journal that annotate re-renders when present. */
const RESULT_REPORTS: [file: string, reporter: string][] = [
  ['report.html', 'html'],
  ['report.md', 'md'],
  ['junit.xml', 'junit'],
  ['report.pdf', 'pdf'],
];

/**
 * Adds a finding (and its remediation) to a drill's journal and re-renders its reports. In an evidence bundle
 * (the journal's own, or the drill's <dir>-evidence), the change is signed in: the manifest is re-hashed with
 * an amendment entry and re-signed with the same algorithm. A bundle that no longer verifies is refused, so
 * annotate never re-signs a tampered record.
 */
export async function annotateJournal(opts: AnnotateOptions): Promise<AnnotateResult> {
  if (!opts.finding.trim()) throw new DrillError('invalid-config', '--finding must not be empty');
  const journalFile = resolveJournalFile(opts.target);
  const home = dirname(journalFile);
  const inBundle = existsSync(join(home, MANIFEST_FILE));
  const sibling = `${home}-evidence`;
  const bundles = inBundle ? [home] : existsSync(join(sibling, MANIFEST_FILE)) ? [sibling] : [];

  // Everything that can refuse is checked before anything is written.
  const signing = new Map<string, { algorithm: SignatureAlgorithm; key: string }>();
  for (const b of bundles) {
    const signature = await readSignature(b);
    if (signature && !opts.keyEnv)
      throw new DrillError(
        'invalid-config',
        `${b} is signed (${signature.algorithm}); give --key-env VAR holding its signing key so the annotation is signed too`,
      );
    const check = await verifyBundle(b, signature && opts.keyEnv ? { keyEnv: opts.keyEnv } : {});
    if (!check.ok)
      throw new DrillError(
        'failed',
        `refusing to annotate ${b}: it does not verify (${check.problems[0]}); a changed bundle is never re-signed`,
      );
    if (signature && opts.keyEnv)
      signing.set(b, {
        algorithm: signature.algorithm === 'hmac-sha256' ? 'hmac' : 'ed25519',
        key: keyFromEnv(opts.keyEnv),
      });
  }
  const reports = inBundle ? [] : presentReports(home);
  await checkReporterPrerequisites([...reports, ...bundles.flatMap(bundleReports)]);

  const journal = await readJournal(journalFile);
  registerScenarioSecrets(journal);
  const now = opts.now ?? new Date();
  const by = opts.by ?? currentUser();
  const finding: AuditFinding = {
    at: now.toISOString(),
    ...(by ? { by: redact(by) } : {}),
    finding: redact(opts.finding.trim()),
    ...(opts.remediation?.trim() ? { remediation: redact(opts.remediation.trim()) } : {}),
  };
  const written: string[] = [];
  if (!inBundle) {
    await writeJournal(journalFile, withFinding(journal, finding));
    written.push(journalFile, ...(await renderDrillReports(withFinding(journal, finding), home, reports)));
  }
  for (const b of bundles) written.push(...(await amendBundle(b, finding, now, signing.get(b))));
  return { journal: journalFile, finding, written, bundles: bundles.map((dir) => ({ dir, signed: signing.has(dir) })) };
}

function presentReports(dir: string): string[] {
  return RESULT_REPORTS.filter(([f]) => existsSync(join(dir, f))).map(([, r]) => r);
}

/** A bundle's reports are always re-rendered; a PDF it holds (copied from the results) too. */
function bundleReports(bundle: string): string[] {
  return [...BUNDLE_REPORTERS, ...(existsSync(join(bundle, 'report.pdf')) ? ['pdf'] : [])];
}

function resolveJournalFile(target: string): string {
  const path = resolve(target);
  if (!existsSync(path)) throw new DrillError('invalid-config', `${target}: no such journal or directory`);
  const file = statSync(path).isDirectory() ? join(path, 'journal.json') : path;
  if (!existsSync(file))
    throw new DrillError('invalid-config', `${target}: no journal.json here; give a drill's journal or its directory`);
  return file;
}

async function readJournal(file: string): Promise<Journal> {
  return parseJournal(await readFile(file, 'utf8'), file);
}

async function writeJournal(file: string, journal: Journal): Promise<void> {
  await writeFile(file, JSON.stringify(journal, null, 2) + '\n');
}

function withFinding(journal: Journal, finding: AuditFinding): Journal {
  const audit = journal.audit ?? {};
  return { ...journal, audit: { ...audit, findings: [...(audit.findings ?? []), finding] } };
}

async function readSignature(bundle: string): Promise<SignatureFile | undefined> {
  const file = join(bundle, SIGNATURE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SignatureFile;
  } catch (err) {
    throw new DrillError('failed', `${file}: not valid JSON (${errorMessage(err)})`);
  }
}

/** The bundle's own journal gains the finding; its reports, manifest (with an amendment), signature and archive follow. */
async function amendBundle(
  bundle: string,
  finding: AuditFinding,
  now: Date,
  signing: { algorithm: SignatureAlgorithm; key: string } | undefined,
): Promise<string[]> {
  const journalFile = join(bundle, 'journal.json');
  const journal = withFinding(await readJournal(journalFile), finding);
  await writeJournal(journalFile, journal);
  const written = [journalFile, ...(await renderDrillReports(journal, bundle, bundleReports(bundle)))];

  const manifestFile = join(bundle, MANIFEST_FILE);
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
  manifest.files = await hashBundleFiles(bundle);
  manifest.amendments = [
    ...(manifest.amendments ?? []),
    {
      at: now.toISOString(),
      ...(finding.by ? { by: finding.by } : {}),
      change: 'finding added',
      journalSha256: (await sha256File(journalFile)).sha256,
    },
  ];
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  await writeFile(manifestFile, manifestBytes);
  written.push(manifestFile);
  if (signing) {
    const sigFile = join(bundle, SIGNATURE_FILE);
    const signature = signManifest(manifestBytes, signing.algorithm, signing.key, MANIFEST_FILE);
    await writeFile(sigFile, JSON.stringify(signature, null, 2) + '\n');
    written.push(sigFile);
  }
  const tarGz = `${bundle}.tar.gz`;
  if (existsSync(tarGz)) {
    const files = [...(await listBundleFiles(bundle)), MANIFEST_FILE, ...(signing ? [SIGNATURE_FILE] : [])];
    await writeTarGz(bundle, files, basename(bundle), tarGz, new Date(manifest.createdAt));
    written.push(tarGz);
  }
  return written;
}

function currentUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}
