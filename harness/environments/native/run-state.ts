import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ChildRecord, ChildSink } from '../../util/children.js';
import { processStartTime } from '../../util/proc.js';

export const RUN_STATE_FILE = 'run-state.json';

/**
 * What a native drill holds on this machine, written to its work directory as it changes: the processes it
 * started, the mounts it made, the directories outside the work directory it created and the ports its
 * servers listen on. After a crash (SIGKILL, power loss of the CI job) `drdrill gc` reads it and removes what
 * is left, killing only the processes recorded here, and only while each is still the one recorded.
 */
export interface RunState {
  version: 1;
  runId: string;
  drill: string;
  host: string;
  /** The drdrill process running the drill: while it lives, gc leaves the drill alone (unless --all). */
  owner: { pid: number; startTime: string };
  workDir: string;
  processes: ChildRecord[];
  /**
   * Server processes of a postmaster the drill SIGKILLed (a crash): they should exit by themselves, but one
   * blocked on a lock of the dead server never does. Removed with the drill's other processes.
   */
  orphans?: ChildRecord[];
  /** tmpfs mounts; `namespace` is the PID holding the user namespace they live in (not root). */
  mounts: { path: string; namespace?: number }[];
  /** Directories outside the work directory (Unix socket directories). */
  paths: string[];
  ports: number[];
}

export class RunStateFile implements ChildSink {
  private readonly _state: RunState;
  readonly file: string;

  constructor(workDir: string, ids: { runId: string; drill: string }) {
    this.file = join(workDir, RUN_STATE_FILE);
    this._state = {
      version: 1,
      ...ids,
      host: hostname(),
      owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? '' },
      workDir,
      processes: [],
      mounts: [],
      paths: [],
      ports: [],
    };
    this._write();
  }

  get state(): RunState {
    return structuredClone(this._state);
  }

  processesChanged(live: ChildRecord[]): void {
    this._state.processes = live;
    this._write();
  }

  addOrphans(records: ChildRecord[]): void {
    this._state.orphans = [...(this._state.orphans ?? []), ...records];
    this._write();
  }

  removeOrphans(pids: number[]): void {
    this._state.orphans = (this._state.orphans ?? []).filter((o) => !pids.includes(o.pid));
    this._write();
  }

  /** Recorded before the mount is made, so a crash in between still leaves a record. */
  addMount(path: string, namespace?: number): void {
    this._state.mounts.push({ path, ...(namespace ? { namespace } : {}) });
    this._write();
  }

  removeMount(path: string): void {
    this._state.mounts = this._state.mounts.filter((m) => m.path !== path);
    this._write();
  }

  addPath(path: string): void {
    this._state.paths.push(path);
    this._write();
  }

  removePath(path: string): void {
    this._state.paths = this._state.paths.filter((p) => p !== path);
    this._write();
  }

  addPort(port: number): void {
    if (!this._state.ports.includes(port)) this._state.ports.push(port);
    this._write();
  }

  /** Everything it listed is gone: nothing is left for gc. */
  remove(): void {
    this._closed = true;
    rmSync(this.file, { force: true });
  }

  private _closed = false;

  // Synchronous and atomic: a SIGKILL can land right after any change, and gc must never read half a file.
  private _write(): void {
    if (this._closed) return;
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this._state, null, 2) + '\n');
      renameSync(tmp, this.file);
    } catch {
      // The work directory is gone (teardown removed it): there is nothing left to record.
    }
  }
}

export function readRunState(file: string): RunState | undefined {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
    return state.version === 1 ? state : undefined;
  } catch {
    return undefined;
  }
}
