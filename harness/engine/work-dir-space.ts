import { statfs } from 'node:fs/promises';
import { mountPoints } from '../util/proc.js';
import { DrillError, errorMessage } from './errors.js';

/** Below this, the work directory counts as full. */
const FULL_BYTES = 1024 * 1024;

/**
 * A step that failed because the work directory's filesystem is full says so first, naming the directory
 * and DRDRILL_WORK_DIR: the tool that hit ENOSPC (initdb, s3rver, tar) only names its own file.
 */
export async function explainFullWorkDir(workDir: string, err: unknown): Promise<unknown> {
  const message = errorMessage(err);
  if (!/No space left on device|ENOSPC/.test(message) && (err as NodeJS.ErrnoException)?.code !== 'ENOSPC') return err;
  const fs = await statfs(workDir).catch(() => undefined);
  if (!fs) return err;
  // The tool that failed may have removed what it wrote (initdb does): then the message must name a path in
  // the work directory, and no size-limited volume of the drill (a disk-full fault's) may be mounted there.
  const volumes = mountPoints().some((m) => m.startsWith(`${workDir}/`));
  const full = fs.bavail * fs.bsize < FULL_BYTES;
  if (!full && (volumes || !message.includes(workDir))) return err;
  const mb = (n: number) => `${Math.round((n * fs.bsize) / 1024 / 1024)} MB`;
  return new DrillError(
    'error',
    `the work directory ${workDir} ran out of space (its filesystem holds ${mb(fs.blocks)}, ${mb(fs.bavail)} free now; set DRDRILL_WORK_DIR to a larger one): ${message}`,
    { cause: err },
  );
}
