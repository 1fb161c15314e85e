import type pg from 'pg';
import type { ScenarioSetup } from '../engine/context.js';
import type { EnvironmentRecord } from '../engine/journal.js';
import type { ConnectionInfo, PgInstance, StartedEnvironment } from '../environments/types.js';
import type { WorkloadWriter } from '../workload/writer.js';
import type { MigrationScenario } from './schema.js';

export type MigrationSetup = ScenarioSetup<MigrationScenario>;

/** The target as it was at the cutover: a repeatable-read transaction opened while writes were held. */
export interface CutoverCut {
  /** Epoch ms (monotonic clock) when the cut was taken. */
  at: number;
  /** Open in a REPEATABLE READ transaction whose snapshot is the cut; ended at teardown. */
  target: pg.Client;
}

/** A provisioned migration drill: the environment, the source and target instances and the writer exist. */
export interface Migration extends MigrationSetup {
  readonly env: StartedEnvironment;
  readonly environmentRecord: EnvironmentRecord;
  /** The old database: seeded, written to first. */
  readonly source: PgInstance;
  /** The new database: an empty drill database until the procedure fills it. */
  readonly target: PgInstance;
  readonly instances: Map<string, PgInstance>;
  /** The application: writes the ledger and the shop, to the source, then both, then the target. */
  readonly workload: WorkloadWriter;
  /** Set by the procedure's cutover: the consistent cut the verification compares. */
  cut?: CutoverCut;
  /** Connection to the drill database on an instance. */
  db(instance: PgInstance): ConnectionInfo;
}
