import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const DRDRILL_BIN = join(packageRoot(), 'bin', 'drdrill.js');

/** Runs the real, built CLI (`npm run build` first), as users and CI do. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; onStdout?: (chunk: string) => void; timeoutMs?: number } = {},
): Promise<CliResult> & { pid: number } {
  const child = spawn(process.execPath, [DRDRILL_BIN, ...args], {
    cwd: opts.cwd ?? packageRoot(),
    env: { ...process.env, CI: 'true', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    opts.onStdout?.(d.toString());
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
  const promise = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(promise, { pid: child.pid! });
}

/** Writes scenario files into a fresh temp directory (like Playwright's runInlineTest) and returns it. */
export function inlineScenarios(files: Record<string, string>): string {
  const dir = tempDir('drdrill-test-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function tempOutDir(): string {
  return tempDir('drdrill-out-');
}

const created: string[] = [];

/** A temp directory removed after the test file (see vitest-setup.ts). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A work directory the postgres user can traverse (mkdtemp makes 0700 directories). */
export function workDir(): string {
  const dir = tempDir('drdrill-work-');
  chmodSync(dir, 0o755);
  return dir;
}
