import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentProvider } from '../environments/index.js';
import type { StartedEnvironment } from '../environments/types.js';
import { TaskRunner } from '../engine/task-runner.js';
import { environmentSchema, type EnvironmentKind } from '../scenario/schema.js';
import { silentLogger } from '../util/logger.js';

/** An environment (native by default) outside any drill, for benchmarks and library tests; `close()` runs its teardowns. */
export async function standaloneEnvironment(
  name: string,
  kind: EnvironmentKind = 'native',
): Promise<{
  env: StartedEnvironment;
  close: () => Promise<void>;
  onTeardown: (title: string, fn: () => Promise<void>) => void;
}> {
  const base = mkdtempSync(join(tmpdir(), 'drdrill-bench-'));
  chmodSync(base, 0o755);
  const runner = new TaskRunner(new AbortController().signal);
  const onTeardown = (title: string, fn: () => Promise<void>) => runner.addTeardown(title, fn);
  const provider = await environmentProvider(kind);
  const spec = environmentSchema.parse({ kind });
  await provider.checkPrerequisites(spec);
  const env = await provider.start({
    drillName: name,
    runId: `${name}-${Date.now().toString(36)}`,
    workDir: join(base, 'work'),
    spec,
    keep: false,
    logger: silentLogger,
    onTeardown,
    signal: new AbortController().signal,
  });
  return {
    env,
    onTeardown,
    close: async () => {
      await runner.runTeardowns(() => {});
      rmSync(base, { recursive: true, force: true });
    },
  };
}
