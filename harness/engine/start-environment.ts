import { environmentProvider } from '../environments/index.js';
import type { StartedEnvironment } from '../environments/types.js';
import type { ScenarioSetup } from './context.js';

/**
 * Starts the scenario's environment under the run's identity, work directory, teardowns and abort signal, and
 * hands it to the engine at once, so the journal has its fields even when provisioning fails later.
 */
export async function startEnvironment(
  setup: ScenarioSetup,
  keep: boolean,
  onEnvironment: (env: StartedEnvironment) => void,
): Promise<StartedEnvironment> {
  const { scenario } = setup;
  const provider = await environmentProvider(scenario.environment.kind);
  const env = await provider.start({
    drillName: scenario.metadata.name,
    runId: setup.runId,
    workDir: setup.workDir,
    spec: scenario.environment,
    keep,
    logger: setup.logger,
    onTeardown: setup.onTeardown,
    signal: setup.signal,
  });
  onEnvironment(env);
  return env;
}
