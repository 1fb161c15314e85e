import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DrillError } from '../engine/errors.js';
import { EXIT_CODES } from '../engine/exit-codes.js';
import type { Journal } from '../engine/journal.js';
import { runCli, tempDir } from '../testing/run-cli.js';
import { loadFixture } from '../../reports/fixtures/index.js';
import { renderDrillReports } from '../../reports/index.js';
import { annotateJournal } from './annotate.js';
import { createBundle } from './bundle.js';
import type { Manifest } from './manifest.js';

/** A drill's results directory as `drdrill run --reporter html,md,junit` leaves it. */
async function drillDir(): Promise<string> {
  const dir = join(tempDir('drdrill-annotate-'), 'accidental-delete');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const journal = loadFixture('passed');
  writeFileSync(join(dir, 'journal.json'), JSON.stringify(journal, null, 2) + '\n');
  writeFileSync(join(dir, 'artifacts', 'pg_basebackup.log'), 'pg_basebackup: base backup completed\n');
  await renderDrillReports(journal, dir, ['html', 'md', 'junit']);
  return dir;
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const FINDING = ['--finding', 'WAL replay took 25 s of the 41 s', '--remediation', 'raise recovery prefetch to 8'];

describe('drdrill annotate', () => {
  test('adds a finding that evidence verify then accepts; a hand edit afterwards makes verify fail', async () => {
    const { dir: bundle } = await createBundle({ drillDir: await drillDir() });
    const r = await runCli(['annotate', join(bundle, 'journal.json'), ...FINDING, '--by', 'carol']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`annotate: evidence bundle ${bundle} re-hashed`);

    const journal = readJson<Journal>(join(bundle, 'journal.json'));
    expect(journal.audit!.findings).toEqual([
      {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        by: 'carol',
        finding: 'WAL replay took 25 s of the 41 s',
        remediation: 'raise recovery prefetch to 8',
      },
    ]);
    expect(journal.audit!.operator).toBe('alice'); // what was there stays
    expect(readFileSync(join(bundle, 'report.html'), 'utf8')).toContain('raise recovery prefetch to 8');
    expect(readFileSync(join(bundle, 'junit.xml'), 'utf8')).toContain('name="audit.findings.1"');
    const manifest = readJson<Manifest>(join(bundle, 'manifest.json'));
    expect(manifest.amendments).toEqual([
      expect.objectContaining({
        by: 'carol',
        change: 'finding added',
        journalSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      }),
    ]);

    const ok = await runCli(['evidence', 'verify', bundle]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /verified: 5 files match the manifest; unsigned: integrity only; amended after it was made: finding added \S+ by carol\n$/,
    );

    // Soften the finding by hand: the manifest no longer matches.
    const file = join(bundle, 'journal.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('took 25 s of the 41 s', 'took a moment'));
    const bad = await runCli(['evidence', 'verify', bundle]);
    expect(bad.code).toBe(EXIT_CODES.failed);
    expect(bad.stderr).toMatch(/does not verify: changed: journal\.json \(sha256 [0-9a-f]{64}, manifest says/);

    // ...and annotate refuses to re-sign over the edit.
    const again = await runCli(['annotate', bundle, '--finding', 'all good now']);
    expect(again.code).toBe(EXIT_CODES.failed);
    expect(again.stderr).toContain(`refusing to annotate ${bundle}: it does not verify (changed: journal.json`);
    expect(readFileSync(file, 'utf8')).not.toContain('all good now');
  });

  test("on a drill's results, updates its journal and reports and signs the change into its bundle and archive", async () => {
    const dir = await drillDir();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const env = {
      DRILL_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      DRILL_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    process.env.DRILL_ANNOTATE_SIGNING_KEY = env.DRILL_SIGNING_KEY;
    const { dir: bundle, tarGz } = await createBundle({
      drillDir: dir,
      tar: true,
      sign: { algorithm: 'ed25519', keyEnv: 'DRILL_ANNOTATE_SIGNING_KEY' },
    });

    const unsigned = await runCli(['annotate', dir, ...FINDING], { env });
    expect(unsigned.code).toBe(EXIT_CODES['invalid-config']);
    expect(unsigned.stderr.trim()).toBe(
      `drdrill: ${bundle} is signed (ed25519); give --key-env VAR holding its signing key so the annotation is signed too`,
    );
    expect(readJson<Journal>(join(dir, 'journal.json')).audit!.findings).toBeUndefined();

    const r = await runCli(['annotate', dir, ...FINDING, '--key-env', 'DRILL_SIGNING_KEY'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('re-hashed and re-signed');
    for (const d of [dir, bundle]) {
      expect(readJson<Journal>(join(d, 'journal.json')).audit!.findings![0]!.finding).toBe(
        'WAL replay took 25 s of the 41 s',
      );
      expect(readFileSync(join(d, 'report.md'), 'utf8')).toContain('raise recovery prefetch to 8');
    }
    for (const target of [bundle, tarGz!]) {
      const v = await runCli(['evidence', 'verify', target, '--key-env', 'DRILL_PUBLIC_KEY'], { env });
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toContain('signature valid');
    }
    for (const f of [join(bundle, 'journal.json'), join(bundle, 'manifest.json'), join(bundle, 'signature.json')])
      expect(readFileSync(f, 'utf8')).not.toContain('PRIVATE KEY');
  });

  test('errors name the cause', async () => {
    const nowhere = join(tempDir('drdrill-annotate-'), 'nope.json');
    await expect(annotateJournal({ target: nowhere, finding: 'x' })).rejects.toThrow(
      new DrillError('invalid-config', `${nowhere}: no such journal or directory`),
    );
    await expect(annotateJournal({ target: await drillDir(), finding: '  ' })).rejects.toThrow(
      new DrillError('invalid-config', '--finding must not be empty'),
    );
  });
});
