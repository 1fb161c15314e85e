import { existsSync, readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { signalGroup } from '../../util/children.js';
import { isSameProcess, mountPoints, processesUnder, processGroupMembers } from '../../util/proc.js';
import { runProcess } from '../../util/process.js';
import { sleep } from '../../util/retry.js';
import { readRunState, RUN_STATE_FILE, type RunState } from './run-state.js';

export interface NativeLeftover {
  kind: 'process' | 'mount' | 'directory';
  id: string;
  name: string;
  runId: string;
  owner: string;
  status: 'removed' | 'kept: its drill is still running' | `failed: ${string}`;
}

/** Suffix of a work directory being removed: renamed first, so a crash halfway leaves a name gc recognises. */
export const REMOVING = '.removing';

/**
 * Work directories (`drdrill-<runId>`) under `root` that hold a run-state file, and those a teardown was
 * removing when it was cut short (whose run-state file may already be gone).
 */
export function findRunStates(root: string): RunState[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.startsWith('drdrill-'))
    .flatMap((e): RunState[] => {
      const dir = join(root, e);
      const state = readRunState(join(dir, RUN_STATE_FILE));
      if (!e.endsWith(REMOVING)) return state ? [state] : [];
      const runId = e.slice('drdrill-'.length, -REMOVING.length);
      return [
        state
          ? { ...state, workDir: dir }
          : {
              version: 1,
              runId,
              drill: '',
              host: '',
              owner: { pid: 0, startTime: '' },
              workDir: dir,
              processes: [],
              mounts: [],
              paths: [],
              ports: [],
            },
      ];
    });
}

/** Removes a work directory: renamed out of the way first, then deleted. */
export async function removeWorkDir(workDir: string): Promise<void> {
  const trash = `${workDir}${REMOVING}`;
  await rename(workDir, trash).catch(() => {});
  await rm(trash, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  await rm(workDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

/** Whether the drdrill process that ran the drill is still running (on this host). */
export function ownerAlive(state: RunState): boolean {
  return isSameProcess(state.owner.pid, state.owner.startTime);
}

/**
 * Removes what a run state lists: stops its processes (each only while it is still the process recorded:
 * PID and start time), waits for what they started, unmounts its mounts, removes its directories and,
 * with `removeWorkDir`, the work directory. The same code serves the drill's last teardown step and gc.
 */
export async function removeRunLeftovers(
  state: RunState,
  opts: { dryRun?: boolean; removeWorkDir: boolean; graceMs?: number },
): Promise<NativeLeftover[]> {
  const out: NativeLeftover[] = [];
  const base = { runId: state.runId, owner: `${state.host}:${state.owner.pid}` };
  const attempt = async (item: Omit<NativeLeftover, 'status' | keyof typeof base>, fn: () => Promise<void>) => {
    if (opts.dryRun) return void out.push({ ...item, ...base, status: 'removed' });
    try {
      await fn();
      out.push({ ...item, ...base, status: 'removed' });
    } catch (err) {
      out.push({ ...item, ...base, status: `failed: ${(err as Error).message}` });
    }
  };

  const recorded = [...state.processes, ...(state.orphans ?? [])];
  const live = recorded.flatMap((p) => processGroupMembers(p.pid, p.startTime).map((pid) => ({ ...p, pid })));
  if (live.length)
    await attempt(
      {
        kind: 'process',
        id: live.map((p) => p.pid).join(','),
        name: live.map((p) => `${p.role} (pid ${p.pid})`).join(', '),
      },
      () => stopProcesses(state, opts.graceMs ?? 10_000),
    );

  for (const mount of state.mounts) {
    // A mount in a user namespace ends with the last process in it; only a mount of this namespace is ours to unmount.
    if (mount.namespace !== undefined || !mountPoints().includes(mount.path)) continue;
    await attempt({ kind: 'mount', id: mount.path, name: `tmpfs ${mount.path}` }, async () => {
      const r = await runProcess('umount', [mount.path], { allowFailure: true });
      if (r.code !== 0) await runProcess('umount', ['-l', mount.path]);
    });
  }

  const dirs = [...state.paths, ...(opts.removeWorkDir ? [state.workDir] : [])].filter((d) => existsSync(d));
  for (const dir of dirs)
    await attempt({ kind: 'directory', id: dir, name: dir }, () =>
      rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
    );
  return out;
}

/**
 * The recorded processes get their stop signal (PostgreSQL: SIGQUIT), then SIGKILL after the grace; what they
 * started without being recorded (an archive_command) is waited for, never killed by name.
 */
async function stopProcesses(state: RunState, graceMs: number): Promise<void> {
  const recorded = [...state.processes, ...(state.orphans ?? [])];
  const members = () => recorded.flatMap((p) => processGroupMembers(p.pid, p.startTime));
  for (const p of recorded) if (isSameProcess(p.pid, p.startTime)) signalGroup(p.pid, p.stopSignal);
  const deadline = performance.now() + graceMs;
  while (members().length && performance.now() < deadline) await sleep(50);
  for (const pid of members()) signalGroup(pid, 'SIGKILL');
  const settled = performance.now() + graceMs;
  while ((members().length || processesUnder(state.workDir).length) && performance.now() < settled) await sleep(50);
  const still = members();
  if (still.length) throw new Error(`still running after SIGKILL: pid ${still.join(', ')}`);
}
