import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { stopChild } from '../environments/native/embedded-s3.js';
import { makeSelfSignedCert } from '../environments/self-signed-cert.js';
import { packageRoot } from '../util/paths.js';

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface RecordingS3 {
  endpoint: string;
  /** Self-signed certificate when started with TLS. */
  cert?: string;
  /** Every request the server received so far, in order. */
  requests(): RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * An embedded S3 (s3rver) for tests that records every request at the server, whoever sends it (the SDK,
 * the aws CLI, boto3 in barman-cloud, pgBackRest): tests count what reached a bucket, not what a client claims.
 */
export async function startRecordingS3(dir: string, opts: { tls?: boolean } = {}): Promise<RecordingS3> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const log = join(dir, 'requests.jsonl');
  writeFileSync(log, '');
  const tls = opts.tls ? await makeSelfSignedCert(join(dir, 'tls')) : undefined;
  const script = join(packageRoot(), 'fixtures', 'recording-s3', 'server.mjs');
  // s3rver must resolve from the checkout, wherever the test runs.
  createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--no-warnings', script, join(dir, 'data'), log, ...(tls ? [tls.key, tls.cert] : [])],
    { stdio: ['pipe', 'pipe', 'inherit'], cwd: packageRoot() },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`recording S3 exited with ${code}`)));
  });
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    ...(tls ? { cert: tls.cert } : {}),
    requests: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as RecordedRequest),
    stop: () => stopChild(child),
  };
}
