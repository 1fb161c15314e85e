import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../environments/native/embedded-s3.js';
import { ObjectStore } from '../objectstore/client.js';
import { journalOf } from '../testing/journals.js';
import { inlineScenarios, runCli, tempDir, tempOutDir, workDir } from '../testing/run-cli.js';

const scenario = (endpoint: string) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: external-s3 }
environment:
  objectStore:
    kind: s3
    endpoint: ${endpoint}
    bucket: team-backups
    prefix: nightly
    accessKeyId: { env: TEST_S3_KEY }
    secretAccessKey: { env: TEST_S3_SECRET }
dataset: { scale: 100 }
workload: { before: 1s, after: 0s }
verify: [ { rowCounts: baseline }, { ledger: complete } ]
`;

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? allFiles(join(dir, f)) : [join(dir, f)],
  );
}

describe('an external S3 endpoint (s3rver standing in for MinIO/AWS)', () => {
  let s3: EmbeddedS3;
  // s3rver accepts only the access key id S3RVER and checks no signature: any secret works.
  const secret = 'sEcReT-do-not-leak-4711';

  beforeAll(async () => {
    const dir = tempDir('drdrill-s3-');
    s3 = await startEmbeddedS3({ dir: join(dir, 'data'), logFile: join(dir, 's3.log') });
    const store = new ObjectStore({
      kind: 's3',
      endpoint: s3.endpoint,
      endpointForInstances: s3.endpoint,
      bucket: 'team-backups',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 's',
    });
    await store.ensureBucket();
    store.destroy();
  });
  afterAll(() => s3?.stop());

  it('runs with credentials taken from the environment, and never writes the secret anywhere', async () => {
    const out = tempOutDir();
    const dir = inlineScenarios({ 'external.yaml': scenario(s3.endpoint) });
    const r = await runCli(['run', join(dir, 'external.yaml'), '--out', out, '--reporter', 'json'], {
      env: { TEST_S3_KEY: 'S3RVER', TEST_S3_SECRET: secret, DRDRILL_WORK_DIR: workDir(), DRDRILL_LOG_LEVEL: 'debug' },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const j = journalOf(out, 'external-s3');
    expect(j.environment!.objectStore).toMatchObject({ kind: 's3', endpoint: s3.endpoint, bucket: 'team-backups' });
    expect(j.environment!.objectStore.prefix).toMatch(/^nightly\/drdrill\/external-s3\/external-s3-/);
    for (const file of allFiles(out)) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('a missing credential variable stops the run before anything starts, naming the variable', async () => {
    const dir = inlineScenarios({ 'external.yaml': scenario(s3.endpoint) });
    const r = await runCli(['run', join(dir, 'external.yaml'), '--out', tempOutDir()], {
      env: { TEST_S3_KEY: 'S3RVER', TEST_S3_SECRET: '' },
    });
    expect(r.code).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr.trim()).toBe(
      'drdrill: environment.objectStore.secretAccessKey.env names TEST_S3_SECRET, which is not set',
    );
  });

  it('an unreachable endpoint fails the drill with a message naming the endpoint', async () => {
    const dir = inlineScenarios({ 'external.yaml': scenario('http://127.0.0.1:9') });
    const out = tempOutDir();
    const r = await runCli(['run', join(dir, 'external.yaml'), '--out', out], {
      env: { TEST_S3_KEY: 'k', TEST_S3_SECRET: 'also-secret-123' },
    });
    expect(r.code).toBe(EXIT_CODES.error);
    const j = journalOf(out, 'external-s3');
    expect(j.verdict).toBe('error');
    expect(j.reason).toContain('endpoint http://127.0.0.1:9 is unreachable (ECONNREFUSED)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
