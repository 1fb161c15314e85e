import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeProvider } from '../harness/environments/native/index.js';
import type { StartedEnvironment } from '../harness/environments/types.js';
import { TaskRunner } from '../harness/engine/task-runner.js';
import { environmentSchema } from '../harness/scenario/schema.js';
import { silentLogger } from '../harness/util/logger.js';

/** A native environment outside any drill, for benchmarks; `close()` runs its teardowns. */
export async function benchEnvironment(name: string): Promise<{ env: StartedEnvironment; close(): Promise<void> }> {
  const base = mkdtempSync(join(tmpdir(), 'drdrill-bench-'));
  chmodSync(base, 0o755);
  const runner = new TaskRunner<object>(new AbortController().signal);
  const env = await nativeProvider.start({
    drillName: name,
    runId: `${name}-${Date.now().toString(36)}`,
    workDir: join(base, 'work'),
    spec: environmentSchema.parse({}),
    keep: false,
    logger: silentLogger,
    onTeardown: (title, fn) => runner.addTeardown(title, fn),
    signal: new AbortController().signal,
  });
  return {
    env,
    close: async () => {
      await runner.runTeardowns(() => {});
      rmSync(base, { recursive: true, force: true });
    },
  };
}
