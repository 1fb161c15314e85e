import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../util/children.js';
import { DrillError } from '../engine/errors.js';
import { freePort } from '../util/ports.js';
import { sleep } from '../util/retry.js';
import { findTool, installHint, type PrometheusTool } from './tools.js';

export interface LoopbackDaemon {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

export interface DaemonSpec {
  tool: PrometheusTool;
  /** Arguments, given the listen address (127.0.0.1:<port>). */
  args: (listen: string) => string[];
  /** Answers 200 once the daemon is ready: /-/ready for Prometheus and the Pushgateway, /metrics for exporters. */
  readyPath: string;
  /** Whether an HTTP status at readyPath means ready (default: 2xx). */
  ready?: (status: number) => boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Runs the daemon through another command line (e.g. inside the user namespace holding a drill's volumes). */
  wrap?: (file: string, args: string[]) => [string, string[]];
}

/**
 * Starts a Prometheus-family daemon (Prometheus, Pushgateway, an exporter) on a free loopback port and waits until
 * it answers. The caller owns the returned handle and stops it (register stop() as a teardown first thing).
 * A port taken between choosing and binding is retried with another.
 */
export async function startLoopbackDaemon(spec: DaemonSpec): Promise<LoopbackDaemon> {
  const bin = findTool(spec.tool);
  if (!bin) throw new DrillError('missing-prerequisite', installHint(spec.tool));
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const listen = `127.0.0.1:${await freePort()}`;
    const [file, args] = spec.wrap ? spec.wrap(bin, spec.args(listen)) : [bin, spec.args(listen)];
    // Tracked like every process of a drill: a drdrill killed mid-drill leaves it for `drdrill gc`.
    const child = spawnChild(
      file,
      args,
      { env: spec.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] },
      { role: spec.tool, transient: false },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const daemon: LoopbackDaemon = { url: `http://${listen}`, pid: child.pid!, stop: () => stopChild(child, exited) };
    if (await waitReady(daemon.url + spec.readyPath, spec.ready ?? ((s) => s < 300), child, spec.timeoutMs ?? 10_000))
      return daemon;
    await daemon.stop();
    lastError = stderr.trim().split('\n').slice(-3).join(' | ');
    if (!/address already in use/i.test(stderr)) break;
  }
  throw new DrillError('error', `${spec.tool} did not start on loopback: ${lastError || 'no answer'}`);
}

async function waitReady(
  url: string,
  ready: (status: number) => boolean,
  child: ChildProcess,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (ready(res.status)) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  return false;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
