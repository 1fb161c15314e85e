import type { ScenarioPlan } from '../engine/plan.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Migration } from './context.js';
import { migrationPhases } from './phases.js';
import { provisionMigration } from './provision.js';
import type { MigrationScenario } from './schema.js';

/** Logs kept when the migration does not pass: both servers' and the object store's. */
async function collectFailureEvidence(m: Migration): Promise<void> {
  for (const instance of m.instances.values()) {
    const log = await instance.logTail(20_000).catch((err: Error) => `(log unreadable: ${err.message})`);
    await m.saveArtifact(`postgres-${instance.name}.log`, log, `PostgreSQL log of ${instance.name}`);
  }
}

/** `kind: Migration`: provision, seed, workload, the procedure's steps (copy ... fence), compare. */
export function migrationPlan(loaded: LoadedScenario<MigrationScenario>): ScenarioPlan<MigrationScenario, Migration> {
  return {
    phases: migrationPhases(loaded.scenario),
    provision: provisionMigration,
    environmentRecord: (m) => m.environmentRecord,
    damage: () => ({}),
    collectFailureEvidence,
  };
}
