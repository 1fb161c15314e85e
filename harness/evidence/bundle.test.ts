import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DrillError } from '../engine/errors.js';
import { EXIT_CODES } from '../engine/exit-codes.js';
import evidenceCommand from '../cli/commands/evidence.js';
import { loadFixture } from '../../reports/fixtures/index.js';
import { createBundle } from './bundle.js';
import { extractTarGz } from './tar.js';
import { verifyBundle } from './verify.js';
import { runCommand } from '../testing/in-process-cli.js';

const root = mkdtempSync(join(tmpdir(), 'drdrill-evidence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KEY_ID = 'AKIADRDRILLTEST0001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY-drill-secret';
process.env.DRILL_TEST_S3_KEY_ID = KEY_ID;
process.env.DRILL_TEST_S3_SECRET = SECRET;

let n = 0;
/** A drill directory as the engine leaves it, for a scenario whose S3 keys come from the environment, with the secret leaked into logs. */
function drillDir(extra: Record<string, string | Buffer> = {}): string {
  const dir = join(root, `drill-${++n}`, 'accidental-delete');
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const journal = loadFixture('passed');
  journal.scenario.parsed.environment.objectStore = {
    kind: 's3',
    bucket: 'dr-drills',
    region: 'eu-west-1',
    forcePathStyle: true,
    endpoint: 'https://s3.example.com',
    accessKeyId: { env: 'DRILL_TEST_S3_KEY_ID' },
    secretAccessKey: { env: 'DRILL_TEST_S3_SECRET' },
  };
  journal.checks[1]!.evidence.output = `aws s3 ls --secret-access-key ${SECRET}`;
  const files: Record<string, string | Buffer> = {
    'journal.json': JSON.stringify(journal, null, 2),
    'drill.log': `2025-10-21T14:02:00Z connecting to s3 with ${KEY_ID}:${SECRET}\n`,
    'ledger-acks.csv': '1,1761055301000,1761055300990,0\n2,1761055301010,1761055301000,0\n',
    'report.html': '<html>stale report from the run</html>',
    'artifacts/pg_basebackup.log': `pg_basebackup: base backup completed\nAWS_SECRET_ACCESS_KEY=${SECRET}\n`,
    ...extra,
  };
  for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
  return dir;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? allFiles(join(dir, f)) : [join(dir, f)],
  );
}

const evidence = (args: string[]): Promise<string> => runCommand(evidenceCommand, ['evidence', ...args]);

describe('evidence bundle', () => {
  test('holds journal, reports, redacted logs and tool outputs, and verifies', async () => {
    const dir = drillDir();
    const result = await createBundle({ drillDir: dir, tar: true });
    const files = allFiles(result.dir)
      .map((f) => f.slice(result.dir.length + 1))
      .sort();
    expect(files).toEqual([
      'artifacts/pg_basebackup.log',
      'drill.log',
      'journal.json',
      'junit.xml',
      'ledger-acks.csv',
      'manifest.json',
      'report.html',
      'report.md',
    ]);
    expect(readFileSync(join(result.dir, 'report.html'), 'utf8')).toContain('data-verdict="passed"');
    expect(readFileSync(join(result.dir, 'drill.log'), 'utf8')).toBe(
      '2025-10-21T14:02:00Z connecting to s3 with ***:***\n',
    );
    const manifest = JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8')) as {
      files: { path: string; sha256: string }[];
    };
    expect(manifest.files.map((f) => f.path)).toEqual(files.filter((f) => f !== 'manifest.json'));
    expect(await evidence(['verify', result.dir])).toContain('verified: 7 files match the manifest; unsigned');
    expect(await evidence(['verify', result.tarGz!])).toContain('verified: 7 files match the manifest');
  });

  test('a secret given to the scenario through the environment appears in no file of the bundle or its archive', async () => {
    const result = await createBundle({ drillDir: drillDir(), tar: true, out: join(root, 'secret-check') });
    const extracted = await extractTarGz(result.tarGz!, mkdtempSync(join(root, 'x-')));
    const files = [...allFiles(result.dir), ...allFiles(extracted)];
    expect(files.length).toBe(16);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(SECRET), f).toBe(false);
      expect(bytes.includes(KEY_ID), f).toBe(false);
    }
  });

  test('changing one byte of a bundled file makes verify fail and name the file', async () => {
    const { dir } = await createBundle({ drillDir: drillDir() });
    const file = join(dir, 'artifacts', 'pg_basebackup.log');
    const bytes = readFileSync(file);
    bytes[3] = bytes[3]! ^ 0x01;
    writeFileSync(file, bytes);
    const err = await evidence(['verify', dir]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DrillError);
    expect(EXIT_CODES[(err as DrillError).exitCode]).toBe(EXIT_CODES.failed);
    expect((err as Error).message).toMatch(
      /^evidence bundle .* does not verify: changed: artifacts\/pg_basebackup\.log \(sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}\)$/,
    );
  });

  test('a missing or an added file is named', async () => {
    const { dir } = await createBundle({ drillDir: drillDir() });
    rmSync(join(dir, 'drill.log'));
    writeFileSync(join(dir, 'artifacts', 'extra.txt'), 'slipped in later');
    const result = await verifyBundle(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(['added: artifacts/extra.txt', 'missing: drill.log']);
  });

  test('refuses to bundle a file that still holds a secret after redaction, and leaves nothing behind', async () => {
    const binary = Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(SECRET), Buffer.from([0])]);
    const dir = drillDir({ 'artifacts/core.bin': binary });
    const out = join(root, 'refused');
    await expect(createBundle({ drillDir: dir, out })).rejects.toThrow(
      'refusing to bundle: artifacts/core.bin still holds a secret after redaction',
    );
    expect(existsSync(out)).toBe(false);
  });

  test('ed25519: a valid signature verifies with the public key; a rewritten manifest does not', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    process.env.DRILL_TEST_SIGNING_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    process.env.DRILL_TEST_PUBLIC_KEY = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const out = join(root, 'signed');
    expect(
      await evidence(['bundle', drillDir(), '--out', out, '--sign', 'ed25519', '--key-env', 'DRILL_TEST_SIGNING_KEY']),
    ).toContain('signed with ed25519');
    expect(await evidence(['verify', out, '--key-env', 'DRILL_TEST_PUBLIC_KEY'])).toContain('signature valid');
    for (const f of allFiles(out)) expect(readFileSync(f, 'utf8'), f).not.toContain('PRIVATE KEY');

    // Forge: change a file and its manifest entry together; only the signature can catch it.
    writeFileSync(join(out, 'drill.log'), 'nothing happened\n');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      files: { path: string; sha256: string; bytes: number }[];
    };
    const { sha256File } = await import('./manifest.js');
    Object.assign(
      manifest.files.find((f) => f.path === 'drill.log')!,
      await sha256File(join(out, 'drill.log')),
    );
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    expect((await verifyBundle(out)).ok).toBe(true);
    const result = await verifyBundle(out, { keyEnv: 'DRILL_TEST_PUBLIC_KEY' });
    expect(result.signature).toBe('invalid');
    expect(result.problems[0]).toMatch(/^changed: manifest\.json or signature\.json/);
  });

  test('HMAC: the right key verifies, a wrong key does not, and the key never enters the bundle', async () => {
    process.env.DRILL_TEST_HMAC = 'hmac-key-for-drills-0123456789';
    const out = join(root, 'hmac');
    await createBundle({ drillDir: drillDir(), out, sign: { algorithm: 'hmac', keyEnv: 'DRILL_TEST_HMAC' } });
    expect((await verifyBundle(out, { keyEnv: 'DRILL_TEST_HMAC' })).signature).toBe('valid');
    process.env.DRILL_TEST_HMAC_WRONG = 'another-key-entirely-9876543210';
    expect((await verifyBundle(out, { keyEnv: 'DRILL_TEST_HMAC_WRONG' })).ok).toBe(false);
    for (const f of allFiles(out)) expect(readFileSync(f, 'utf8')).not.toContain(process.env.DRILL_TEST_HMAC);
  });

  test('errors are one clear line', async () => {
    await expect(evidence(['bundle', join(root, 'nowhere')])).rejects.toThrow(
      /nowhere: no journal\.json here; give the drill's results directory/,
    );
    await expect(evidence(['bundle', drillDir(), '--sign', 'hmac'])).rejects.toThrow('--sign hmac needs --key-env VAR');
    await expect(evidence(['verify', join(root, 'nope')])).rejects.toThrow('no such bundle');
  });
});
