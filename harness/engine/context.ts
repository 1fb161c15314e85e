import type { ConnectionInfo, PgInstance, StartedEnvironment } from '../environments/types.js';
import type { AlertMonitor } from '../detection/monitor.js';
import type { FaultRecord } from '../faults/types.js';
import type { RecoveryPoint } from '../measurement/recovery-point.js';
import type { RtoTimeline } from '../measurement/rto-timeline.js';
import type { ObjectStore } from '../objectstore/client.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { AnyScenario } from '../scenario/kinds.js';
import type { Scenario } from '../scenario/schema.js';
import type { Logger } from '../util/logger.js';
import type { WorkloadWriter } from '../workload/writer.js';
import type { Baseline, EnvironmentRecord } from './journal.js';
import type { Recorder } from './recorder.js';

/** The database that holds the dataset and the ledger. */
export const DRILL_DATABASE = 'drdrill';

/**
 * A run before provisioning: what exists from the first moment (the scenario, where outputs go, the
 * recorder). Like testcontainers' container and started container, the provisioned `Drill` is a separate
 * type, so nothing can reach an environment or an instance before they exist. Every scenario kind starts
 * from this; `S` is its scenario.
 */
export interface ScenarioSetup<S extends AnyScenario = AnyScenario> {
  readonly loaded: LoadedScenario<S>;
  readonly scenario: S;
  readonly runId: string;
  readonly workDir: string;
  /** Directory for this drill's outputs (journal, reports, logs, tool outputs). */
  readonly outDir: string;
  readonly logger: Logger;
  readonly recorder: Recorder;
  readonly rto: RtoTimeline;
  readonly signal: AbortSignal;
  /** Registers a teardown step (LIFO), for resources created mid-phase. */
  readonly onTeardown: (title: string, fn: () => Promise<void>) => void;
  /** Saves a tool output or log as an artifact of the drill (redacted); returns its path. */
  readonly saveArtifact: (name: string, content: string, description: string) => Promise<string>;
}

export type DrillSetup = ScenarioSetup<Scenario>;

/** A provisioned drill: environment, object store, primary and workload writer exist. */
export interface Drill extends DrillSetup {
  readonly env: StartedEnvironment;
  readonly store: ObjectStore;
  readonly environmentRecord: EnvironmentRecord;
  /** Every instance the drill created, by name. */
  readonly instances: Map<string, PgInstance>;
  /** Streaming standbys of the original primary, in order. */
  readonly standbys: readonly PgInstance[];
  /** The application: writes the ledger and the dataset, and follows the primary. */
  readonly workload: WorkloadWriter;
  /** The instance the application writes to; a recovery replaces it with replacePrimary(). */
  readonly primary: PgInstance;
  /** Primaries a recovery replaced, oldest first. */
  readonly retired: readonly PgInstance[];
  baseline?: Baseline;
  fault?: FaultRecord;
  /** What the recovery promised to keep: writes committed before this point. Unset: every write. */
  recoveryPoint?: RecoveryPoint;
  /** Prometheus watching the primary, for a scenario with `detect`. */
  monitoring?: AlertMonitor;
  /** Makes another instance the primary and points the workload at it. */
  replacePrimary(instance: PgInstance): void;
  /** Connection to the drill database on an instance (default: the primary). */
  db(instance?: PgInstance): ConnectionInfo;
}
