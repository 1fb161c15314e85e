import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../harness/environments/native/embedded-s3.js';
import { runCli, tempOutDir } from '../harness/testing/run-cli.js';
import { loadFixture } from './fixtures/index.js';

// What the pods of a suite's Indexed Job leave in S3, gathered by `drdrill report s3://...` (real S3: s3rver).
let s3: EmbeddedS3;
const dir = mkdtempSync(join(tmpdir(), 'drdrill-s3-journals-'));
const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

beforeAll(async () => {
  s3 = await startEmbeddedS3({ dir: join(dir, 'data'), logFile: join(dir, 's3.log') });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'drills' }));
  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: 'drills', Key: key, Body: body }));
  const passed = loadFixture('passed');
  const failed = loadFixture('failed');
  await put('nightly/drdrill-suite-20261126t0300/accidental-delete/journal.json', JSON.stringify(passed));
  await put('nightly/drdrill-suite-20261126t0300/accidental-delete/report.html', '<html></html>');
  await put('nightly/drdrill-suite-20261126t0300/replica-failover/journal.json', JSON.stringify(failed));
  await put('other/drdrill-suite-x/smoke/journal.json', JSON.stringify(passed));
  client.destroy();
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('drdrill report s3://bucket/prefix', () => {
  test('gathers every journal under the prefix into the suite index and JUnit', async () => {
    const out = tempOutDir();
    const r = await runCli(['report', 's3://drills/nightly', '--out', out, '--reporter', 'html,junit,json'], {
      env: { ...env, AWS_ENDPOINT_URL: s3.endpoint },
    });
    expect(r.code, r.stderr).toBe(0);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('accidental-delete');
    expect(junit).toContain('replica-failover');
    expect(junit).not.toContain('"smoke"');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('replica-failover');
  });

  test('a prefix without journals is an invalid argument, not an empty report', async () => {
    const r = await runCli(['report', 's3://drills/nothing-here', '--out', tempOutDir()], {
      env: { ...env, AWS_ENDPOINT_URL: s3.endpoint },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('s3://drills/nothing-here: no journal.json under this prefix');
  });
});
