import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DrillError } from '../engine/errors.js';
import { packageRoot } from '../util/paths.js';

/** The single-file WAL tool that archive_command and restore_command run in every environment. */
export const WAL_TOOL_FILE = 'wal-tool.cjs';

/** Its path in this checkout; a missing build is a prerequisite error that says how to make it. */
export function walToolPath(): string {
  const file = join(packageRoot(), 'dist', WAL_TOOL_FILE);
  if (!existsSync(file)) throw new DrillError('missing-prerequisite', `${file} is missing; run "npm run build" first`);
  return file;
}
