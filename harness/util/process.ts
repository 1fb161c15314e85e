import type { SpawnOptions } from 'node:child_process';
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { DrillError } from '../engine/errors.js';
import { spawnChild } from './children.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  stdin?: Readable | string;
  stdout?: Writable;
  allowFailure?: boolean;
  timeoutMs?: number;
}

export interface RunResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

const MAX_CAPTURE = 4 * 1024 * 1024;

/** Runs a program to completion, capturing output. Throws a DrillError naming the command on failure. */
export function runProcess(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args].map(shellQuote).join(' ');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] };
    if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
    if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
    let child;
    try {
      child = spawnChild(file, args, spawnOpts, { role: basename(file) });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    if (opts.stdout) child.stdout!.pipe(opts.stdout);
    else
      child.stdout!.on('data', (d: Buffer) => {
        if (stdout.length < MAX_CAPTURE) stdout += d.toString();
      });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += d.toString();
    });
    child.stdin!.on('error', () => {});
    if (typeof opts.stdin === 'string') child.stdin!.end(opts.stdin);
    else if (opts.stdin) opts.stdin.pipe(child.stdin!);
    else child.stdin!.end();
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(
        new DrillError(
          err.code === 'ENOENT' ? 'missing-prerequisite' : 'error',
          `${file}: ${err.code === 'ENOENT' ? 'not found' : err.message}`,
          { cause: err },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = {
        command,
        code: code ?? 128 + (signal ? 9 : 0),
        stdout,
        stderr,
        seconds: (performance.now() - started) / 1000,
      };
      if (result.code !== 0 && !opts.allowFailure) {
        const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-5).join(' | ');
        reject(new DrillError('error', `${command} exited ${signal ?? result.code}: ${detail}`));
      } else resolve(result);
    });
  });
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-./=:%@,+]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The account PostgreSQL runs as: `postgres` when we are root (initdb refuses root), else ourselves. */
export function postgresAccount(): SystemUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new DrillError(
      'missing-prerequisite',
      'running as root but there is no "postgres" system user to run PostgreSQL as; install the postgresql package (apt-get install postgresql) or run drdrill as a non-root user',
    );
  const [name, , uid, gid, , home] = line.split(':');
  return { name: name!, uid: Number(uid), gid: Number(gid), home: home ?? '/var/lib/postgresql' };
}
