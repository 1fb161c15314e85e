import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DrillError } from '../../engine/errors.js';
import { spawnChild } from '../../util/children.js';

export interface EmbeddedS3 {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * s3rver as a child process on a free loopback port. It must run with the legacy OpenSSL provider,
 * or listing past MaxKeys fails with a 500 (its continuation token uses DES).
 */
export async function startEmbeddedS3(opts: {
  dir: string;
  logFile: string;
  tls?: { key: string; cert: string };
  /** Listen on this port (a restart at the same endpoint); default: a free one. */
  port?: number;
}): Promise<EmbeddedS3> {
  await mkdir(opts.dir, { recursive: true });
  const require = createRequire(import.meta.url);
  let bin: string;
  try {
    bin = join(require.resolve('s3rver/package.json'), '..', 'bin', 's3rver.js');
  } catch {
    throw new DrillError(
      'missing-prerequisite',
      'the embedded S3 (npm package s3rver) is not installed; run "npm ci" in the drdrill directory',
    );
  }
  const args = [
    '--openssl-legacy-provider',
    '--no-warnings',
    bin,
    '-d',
    opts.dir,
    '-a',
    '127.0.0.1',
    '-p',
    String(opts.port ?? 0),
  ];
  if (opts.tls) args.push('--key', opts.tls.key, '--cert', opts.tls.cert);
  // Own process group, like PostgreSQL: Ctrl-C reaches drdrill, whose teardown stops it.
  const child = spawnChild(
    process.execPath,
    args,
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    { role: 's3rver', transient: false },
  );
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  child.stderr!.pipe(log);
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error('s3rver did not report its port within 15 s')), 15_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new DrillError('error', `embedded S3: ${err.message} (log: ${opts.logFile})`));
    };
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const m = /listening on [^\s:]+:(\d+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`s3rver exited with ${code} before listening`)));
    child.once('error', (err) => fail(err));
  });
  // s3rver logs each request on stdout: keep draining it into the log, or it blocks.
  child.stdout!.pipe(log);
  return {
    endpoint: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
