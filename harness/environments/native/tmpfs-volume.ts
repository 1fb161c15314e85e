import { runProcess, type SystemUser } from '../../util/process.js';
import { DrillError } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import type { VolumeHandle } from '../types.js';
import type { RunStateFile } from './run-state.js';
import { userNamespaceSupport, type UserNamespace } from './user-namespace.js';

export interface TmpfsVolume extends VolumeHandle {
  unmount(): Promise<void>;
  /** Set when the mount lives in a user namespace (not root): processes using it must join it. */
  readonly namespace?: UserNamespace;
}

/**
 * A size-limited volume: a tmpfs mount. As root a plain mount; otherwise a mount in the drill's unprivileged
 * user namespace (`userNamespace`), which gives the same ENOSPC.
 */
export async function mountTmpfs(
  path: string,
  sizeMB: number,
  owner: SystemUser | undefined,
  deps: { logger: Logger; runState?: RunStateFile; userNamespace?: () => Promise<UserNamespace> },
): Promise<TmpfsVolume> {
  const { logger, runState } = deps;
  if (process.getuid?.() !== 0) {
    const support = tmpfsSupport();
    if (!support.ok || !deps.userNamespace)
      throw new DrillError(
        'missing-prerequisite',
        `a size-limited volume at ${path}: ${support.ok ? 'needs root' : support.reason}`,
      );
    return namespaceTmpfs(path, sizeMB, await deps.userNamespace(), deps);
  }
  const ids = owner ? `,uid=${owner.uid},gid=${owner.gid}` : '';
  runState?.addMount(path);
  await runProcess('mount', ['-t', 'tmpfs', '-o', `size=${sizeMB}m,mode=0700${ids}`, 'drdrill-tmpfs', path]);
  let current = sizeMB;
  let mounted = true;
  return {
    path,
    get sizeMB() {
      return current;
    },
    async grow(newSizeMB: number) {
      await runProcess('mount', ['-o', `remount,size=${newSizeMB}m`, path]);
      logger.info(`volume ${path} grown from ${current} MB to ${newSizeMB} MB`);
      current = newSizeMB;
    },
    async unmount() {
      if (!mounted) return;
      const r = await runProcess('umount', [path], { allowFailure: true });
      if (r.code !== 0) await runProcess('umount', ['-l', path], { allowFailure: true });
      mounted = false;
      runState?.removeMount(path);
    },
  };
}

async function namespaceTmpfs(
  path: string,
  sizeMB: number,
  ns: UserNamespace,
  deps: { logger: Logger; runState?: RunStateFile },
): Promise<TmpfsVolume> {
  deps.runState?.addMount(path, ns.pid);
  await ns.mount(path, sizeMB);
  let current = sizeMB;
  let mounted = true;
  return {
    path,
    namespace: ns,
    get sizeMB() {
      return current;
    },
    async grow(newSizeMB: number) {
      await ns.remount(path, newSizeMB);
      deps.logger.info(`volume ${path} grown from ${current} MB to ${newSizeMB} MB (user namespace ${ns.pid})`);
      current = newSizeMB;
    },
    async unmount() {
      if (!mounted) return;
      await ns.umount(path);
      mounted = false;
      deps.runState?.removeMount(path);
    },
  };
}

/** Root mounts tmpfs itself; other users need unprivileged user namespaces (a sysctl can forbid them). */
export function tmpfsSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() === 0) return { ok: true };
  const userns = userNamespaceSupport();
  return userns.ok
    ? userns
    : { ok: false, reason: `size-limited volumes are tmpfs mounts: this run is not root, and ${userns.reason}` };
}
