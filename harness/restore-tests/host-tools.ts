import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinDir } from '../environments/native/postgres-binaries.js';
import type { PgTool, ToolResult, ToolRun } from '../environments/types.js';
import { runProcess } from '../util/process.js';
import type { ToolHost } from './formats/types.js';

/** Tools on this machine, for `drdrill backups list` (no environment is started); `close()` removes its files. */
export function hostTools(): ToolHost & { close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'drdrill-backups-'));
  const binary = (tool: PgTool) =>
    tool === 'pgbackrest' || tool.startsWith('barman-cloud-') ? tool : join(findPostgresBinDir(), tool);
  return {
    runTool(tool: PgTool, run: ToolRun): Promise<ToolResult> {
      return runProcess(binary(tool), run.args, {
        env: { ...process.env, ...run.env },
        cwd: dir,
        ...(run.stdin !== undefined ? { stdin: run.stdin } : {}),
        allowFailure: run.allowFailure ?? false,
      });
    },
    async writePrivateFile(name: string, data: Buffer | string): Promise<string> {
      const file = join(dir, name);
      writeFileSync(file, data, { mode: 0o600 });
      return file;
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
