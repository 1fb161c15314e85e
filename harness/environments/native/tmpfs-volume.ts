import { runProcess, type SystemUser } from '../../util/process.js';
import { DrillError } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import type { VolumeHandle } from '../types.js';
import type { RunStateFile } from './run-state.js';

export interface TmpfsVolume extends VolumeHandle {
  unmount(): Promise<void>;
}

/** A size-limited volume: a tmpfs mount. Needs root (CAP_SYS_ADMIN). */
export async function mountTmpfs(
  path: string,
  sizeMB: number,
  owner: SystemUser | undefined,
  deps: { logger: Logger; runState?: RunStateFile },
): Promise<TmpfsVolume> {
  const { logger, runState } = deps;
  if (process.getuid?.() !== 0)
    throw new DrillError(
      'missing-prerequisite',
      `a size-limited volume at ${path} needs a tmpfs mount, which needs root; run the drill as root (or in CI)`,
    );
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

export function tmpfsSupport(): { ok: true } | { ok: false; reason: string } {
  return process.getuid?.() === 0
    ? { ok: true }
    : { ok: false, reason: 'size-limited volumes are tmpfs mounts and need root; this run is not root' };
}
