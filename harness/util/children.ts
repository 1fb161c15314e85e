import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { DrillError } from '../engine/errors.js';
import { processStartTime } from './proc.js';

/** A process the harness started for a drill, as recorded in the drill's run state. */
export interface ChildRecord {
  pid: number;
  /** From /proc/<pid>/stat: with the PID, identifies the process even after the PID is reused. */
  startTime: string;
  role: string;
  command: string;
  /** How to ask it to stop (PostgreSQL: SIGQUIT, an immediate shutdown); SIGKILL follows after a grace. */
  stopSignal: NodeJS.Signals;
  /** A tool run (initdb, pg_basebackup, tar, ...) rather than a server with its own teardown. */
  transient: boolean;
}

export interface ChildSink {
  processesChanged(live: ChildRecord[]): void;
}

/**
 * Every process a drill starts, so none outlives it: Ctrl-C cuts a phase short while a tool still runs (initdb
 * writing into a directory teardown is about to remove). Children run in their own process group, so a stop
 * reaches what they started too (`sh -c` and its children), and are stopped and awaited before teardown
 * removes their directories. After `close()` nothing new is started: a phase that was cut short cannot start
 * a process after its teardown has run.
 */
export class ChildRegistry {
  private readonly _live = new Map<number, { record: ChildRecord; exited: Promise<void> }>();
  private _closed?: string;
  private _sink?: ChildSink;

  /** Where the live set is written (the run-state file that `drdrill gc` reads after a crash). */
  attach(sink: ChildSink): void {
    this._sink = sink;
    sink.processesChanged(this.live());
  }

  close(reason: string): void {
    this._closed ??= reason;
  }

  get closed(): boolean {
    return this._closed !== undefined;
  }

  assertOpen(command: string): void {
    if (this._closed) throw new DrillError('error', `not starting ${command}: ${this._closed}`);
  }

  live(): ChildRecord[] {
    return [...this._live.values()].map((l) => l.record);
  }

  track(child: ChildProcess, info: Omit<ChildRecord, 'pid' | 'startTime'>): void {
    const pid = child.pid;
    if (pid === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const startTime = processStartTime(pid);
    if (startTime === undefined) return;
    this._live.set(pid, { record: { pid, startTime, ...info }, exited });
    this._changed();
    void exited.then(() => {
      this._live.delete(pid);
      this._changed();
    });
  }

  /** Stops the matching children (their whole process groups) and waits for them; SIGKILL after graceMs. */
  async stop(which: (r: ChildRecord) => boolean, graceMs: number): Promise<void> {
    const targets = [...this._live.values()].filter((l) => which(l.record));
    for (const { record } of targets) signalGroup(record.pid, record.stopSignal);
    const all = Promise.all(targets.map((t) => t.exited));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (!late) return;
    for (const { record } of targets) signalGroup(record.pid, 'SIGKILL');
    await all;
  }

  private _changed(): void {
    this._sink?.processesChanged(this.live());
  }
}

const scope = new AsyncLocalStorage<ChildRegistry>();

/** Runs fn with `registry` tracking every process started through spawnChild (runProcess included). */
export function withChildRegistry<T>(registry: ChildRegistry, fn: () => Promise<T>): Promise<T> {
  return scope.run(registry, fn);
}

export function currentChildRegistry(): ChildRegistry | undefined {
  return scope.getStore();
}

/**
 * spawn() for the harness. Inside a drill the child gets its own process group (a terminal's Ctrl-C reaches
 * drdrill, which stops it in order) and is tracked; outside one it is a plain child.
 */
export function spawnChild(
  file: string,
  args: string[],
  options: SpawnOptions,
  info: { role: string; stopSignal?: NodeJS.Signals; transient?: boolean },
): ChildProcess {
  const registry = scope.getStore();
  const command = [file, ...args].join(' ');
  registry?.assertOpen(command);
  const child = spawn(file, args, { ...options, detached: registry ? true : (options.detached ?? false) });
  registry?.track(child, {
    role: info.role,
    command: command.slice(0, 300),
    stopSignal: info.stopSignal ?? 'SIGTERM',
    transient: info.transient ?? true,
  });
  return child;
}

/** Signals a process group (its leader's PID), or the process alone when it leads none. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
