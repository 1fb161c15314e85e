import type { DrillContext } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';

/** Streaming standbys for scenarios that ask for environment.postgres.standby. */
export async function provisionStandbys(ctx: DrillContext): Promise<void> {
  if (!ctx.scenario.environment.postgres.standby) return;
  throw new DrillError('missing-prerequisite', 'environment.postgres.standby is not implemented in this build');
}
