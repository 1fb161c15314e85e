import type { ScenarioSetup } from '../engine/context.js';
import type { EnvironmentRecord } from '../engine/journal.js';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import type { FormatRun, ListedBackup, SourceAccess } from './formats/types.js';
import type { RestoreTestSpec } from './schema.js';

export type RestoreTestScenario = RestoreTestSpec;

/** The restore phases whose times make up `restore.seconds`. */
export const RESTORE_PHASES = ['list', 'fetch', 'integrity', 'restore', 'replay', 'verify'] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/**
 * A provisioned restore test: the scratch environment and instance exist, and the source can be read (never
 * written). The phases fill in the selected backup and the format's run.
 */
export interface RestoreTest extends ScenarioSetup<RestoreTestScenario> {
  readonly env: StartedEnvironment;
  readonly source: SourceAccess;
  /** The scratch instance the backup is restored into. */
  readonly instance: PgInstance;
  environmentRecord?: EnvironmentRecord;
  selected?: ListedBackup;
  run?: FormatRun;
  /** Bytes fetched from the source. */
  bytes: number;
  /** Seconds per restore phase, as each ends. */
  readonly seconds: Partial<Record<RestorePhase, number>>;
}
