import { loadShopDataset } from '../datasets/load-dataset.js';
import { DrillError } from '../engine/errors.js';
import type { PhaseName } from '../engine/journal.js';
import { parseDuration } from '../scenario/fields.js';
import { sleep } from '../util/retry.js';
import { WorkloadWriter } from '../workload/writer.js';
import { compareOldAndNew } from './compare.js';
import type { Migration } from './context.js';
import { migrationProcedure } from './procedures/index.js';
import type { MigrationScenario } from './schema.js';

interface MigrationPhase {
  name: PhaseName;
  run(m: Migration): Promise<void>;
}

const seed: MigrationPhase = {
  name: 'seed',
  async run(m) {
    await WorkloadWriter.createTable(m.db(m.source));
    const loaded = await loadShopDataset(m.db(m.source), m.scenario.dataset.scale, m.scenario.dataset.seed);
    m.recorder.measure('dataset', loaded);
    m.recorder.event(
      'seed',
      `loaded ${m.scenario.dataset.fixture} at scale ${loaded.scale} into the source in ${loaded.seconds.toFixed(2)} s`,
      {
        rows: loaded.rows,
      },
    );
  },
};

/** The seed's first step: the application writes to the old database. */
const workload: MigrationPhase = {
  name: 'workload',
  async run(m) {
    m.workload.start(m.db(m.source), m.source.name);
    await sleep(parseDuration(m.scenario.workload.before), m.signal);
    if (m.workload.acks.length === 0) {
      const last = m.workload.failures.at(-1)?.error ?? 'no error recorded';
      throw new DrillError(
        'error',
        `the workload writer acknowledged no write on the source in ${m.scenario.workload.before} (${last})`,
      );
    }
    m.recorder.check({
      name: 'the application writes to the source',
      status: 'passed',
      evidence: { actual: `${m.workload.acks.length} writes acknowledged (${m.workload.profile.name})` },
    });
  },
};

const compare: MigrationPhase = { name: 'compare', run: compareOldAndNew };

/** Seed and workload, the procedure's own steps, then the comparison of old and new. */
export function migrationPhases(scenario: MigrationScenario): MigrationPhase[] {
  const steps = migrationProcedure(scenario.migration.procedure).steps(scenario.migration);
  return [seed, workload, ...steps, compare];
}
