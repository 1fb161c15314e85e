import type { ConnectionInfo, PgInstance, StartedEnvironment } from '../environments/types.js';
import type { LedgerWriter } from '../ledger/ledger-writer.js';
import type { ObjectStore } from '../objectstore/client.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import type { Logger } from '../util/logger.js';
import type { Baseline } from '../verification/baseline.js';
import type { Recorder } from './recorder.js';
import type { RtoTimeline } from './rto-timeline.js';

/** The database that holds the dataset and the ledger. */
export const DRILL_DATABASE = 'drdrill';

/** What the fault recorded about the moment of the disaster. */
export interface FaultRecord {
  /** Wall-clock epoch ms at which the fault took effect (the destructive commit, the kill). */
  at: number;
  description: string;
  /** For SQL faults: the destructive transaction. */
  txid?: string;
  lsn?: string;
  /** Server time of the destructive commit (commit timestamp). */
  commitTime?: string;
  /** The LSN just before the destructive statement: a safe PITR target. */
  lsnBefore?: string;
  /** Tables the fault damaged. */
  tables?: string[];
  [key: string]: unknown;
}

export interface DrillContext {
  readonly loaded: LoadedScenario;
  readonly scenario: Scenario;
  readonly runId: string;
  readonly workDir: string;
  /** Directory for this drill's outputs (journal, reports, logs, tool outputs). */
  readonly outDir: string;
  readonly logger: Logger;
  readonly recorder: Recorder;
  readonly rto: RtoTimeline;
  readonly signal: AbortSignal;
  env: StartedEnvironment;
  store: ObjectStore;
  /** The instance the application writes to; a recovery replaces it. */
  primary: PgInstance;
  /** Every instance the drill created, by name. */
  instances: Map<string, PgInstance>;
  ledger: LedgerWriter;
  baseline?: Baseline;
  fault?: FaultRecord;
  /** Free-form facts shared between backup, fault and recovery modules (e.g. a standby, a catalog). */
  facts: Record<string, unknown>;
  /** Registers a teardown step (LIFO), for resources created mid-phase. */
  onTeardown: (title: string, fn: () => Promise<void>) => void;
  /** Connection to the drill database on an instance. */
  db(instance?: PgInstance): ConnectionInfo;
  /** Saves a tool output or log as an artifact of the drill (redacted). */
  saveArtifact(name: string, content: string, description: string): Promise<string>;
}
