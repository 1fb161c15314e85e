import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findRunStates } from '../environments/native/leftovers.js';
import type { RunState } from '../environments/native/run-state.js';
import type { ChildRecord } from '../util/children.js';
import { allPids, isSameProcess, listeningSockets, mountPoints, processesUnder } from '../util/proc.js';
import { sleep } from '../util/retry.js';

/** Everything the drills under one work root recorded while they ran (their run-state files, polled). */
export class ResourceWatch {
  readonly processes = new Map<string, ChildRecord>();
  readonly mounts = new Set<string>();
  readonly paths = new Set<string>();
  readonly ports = new Set<number>();
  readonly runIds = new Set<string>();
  private _timer?: NodeJS.Timeout;

  constructor(readonly workRoot: string) {}

  start(intervalMs = 50): void {
    this._timer = setInterval(() => this.poll(), intervalMs);
  }

  poll(): RunState[] {
    const states = findRunStates(this.workRoot);
    for (const s of states) {
      this.runIds.add(s.runId);
      for (const p of [...s.processes, ...(s.orphans ?? [])]) this.processes.set(`${p.pid}/${p.startTime}`, p);
      for (const m of s.mounts) this.mounts.add(m.path);
      for (const p of s.paths) this.paths.add(p);
      for (const p of s.ports) this.ports.add(p);
    }
    return states;
  }

  stop(): void {
    clearInterval(this._timer);
  }
}

/**
 * What is still there of the drills a watch saw: recorded processes (same PID and start time), anything
 * running from the work root, mounts under it, ports its servers listened on (still held by one of them),
 * directories it created, and anything in the work root. Processes a server started are given `settleMs`
 * to exit by themselves.
 */
export async function findLeaks(watch: ResourceWatch, settleMs = 10_000): Promise<string[]> {
  const deadline = performance.now() + settleMs;
  const running = () => [
    ...[...watch.processes.values()]
      .filter((p) => isSameProcess(p.pid, p.startTime))
      .map((p) => `process ${p.role} (pid ${p.pid})`),
    ...processesUnder(watch.workRoot).map((p) => `process pid ${p.pid} (${p.cmd.slice(0, 120)})`),
  ];
  while (running().length && performance.now() < deadline) await sleep(100);
  const leaks = running();
  for (const m of mountPoints())
    if (m === watch.workRoot || m.startsWith(`${watch.workRoot}/`) || watch.mounts.has(m)) leaks.push(`mount ${m}`);
  const ours = new Set(
    allPids().filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(watch.workRoot);
      } catch {
        return false;
      }
    }),
  );
  for (const [port, pids] of listeningPortOwners())
    if (watch.ports.has(port) && pids.some((pid) => ours.has(pid))) leaks.push(`port ${port} (pid ${pids.join(', ')})`);
  for (const p of watch.paths) if (existsSync(p)) leaks.push(`directory ${p}`);
  for (const entry of readdirSync(watch.workRoot)) leaks.push(`work directory ${join(watch.workRoot, entry)}`);
  return leaks;
}

/** Listening TCP ports and the PIDs holding their sockets (those this user may look into). */
export function listeningPortOwners(): Map<number, number[]> {
  const byInode = listeningSockets();
  const owners = new Map<number, number[]>();
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      const port = inode ? byInode.get(inode) : undefined;
      if (port !== undefined) owners.set(port, [...(owners.get(port) ?? []), pid]);
    }
  }
  return owners;
}
