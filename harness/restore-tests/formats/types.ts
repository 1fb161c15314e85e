import type {
  ObjectStoreConnection,
  PgTool,
  StartedEnvironment,
  ToolResult,
  ToolRun,
} from '../../environments/types.js';
import type { RestoreTest, RestoreTestScenario } from '../context.js';
import type { ReadOnlyStore } from '../source.js';

/** One backup a source holds, as `drdrill backups list` shows it. */
export interface ListedBackup {
  id: string;
  /** When the backup was complete (ISO 8601): its age is measured from here. */
  time: string;
  bytes: number;
  /** PITR formats: the WAL segment the backup starts in, the one it needs to be consistent, the newest archived. */
  wal?: { start: string; end?: string; newest?: string };
  /** The source objects that make it up (keys relative to the source prefix). */
  objects: string[];
}

/** Where a format runs its tools: the scratch instance in a restore test, the host for `drdrill backups list`. */
export interface ToolHost {
  runTool(tool: PgTool, run: ToolRun): Promise<ToolResult>;
  /** A file readable only by the tool's user (configs that hold credentials); returns its path. */
  writePrivateFile(name: string, data: Buffer | string): Promise<string>;
}

export interface SourceAccess {
  store: ReadOnlyStore;
  /** With the credentials, for tools that read the bucket themselves. */
  conn: ObjectStoreConnection;
  tools: ToolHost;
}

/** One restore of one backup, step by step; each step records its checks and throws a DrillError to stop. */
export interface FormatRun {
  /** Bring the backup's bytes here (a local file, or the scratch data directory). */
  fetch(): Promise<{ bytes: number }>;
  /** Checks before anything is restored; a failure names the object. */
  integrity(): Promise<void>;
  /** Restore into the scratch instance (dump: loaded; physical: files in place and recovery configured). */
  restore(): Promise<void>;
  /** PITR formats: start and replay WAL to the target, then promote; says where replay ended. */
  replay?(): Promise<{ endLsn?: string; description: string }>;
}

/**
 * One backup format (dump, basebackup-wal, pgbackrest, barman-cloud), in one module: its spec (zod, in
 * `source.format`) and this definition, registered in formats/index.ts.
 */
export interface BackupFormat<S> {
  title: string;
  /** Restores to a point in time: `target` applies and WAL continuity is checked. */
  pitr: boolean;
  /** The scratch instance is initdb'd and started before the restore (logical formats). */
  initdb: boolean;
  validate?(spec: S, scenario: RestoreTestScenario): string[];
  /** Fails with a DrillError('missing-prerequisite') naming the tool the format needs and how to get it. */
  prerequisites?(env: StartedEnvironment): Promise<void>;
  list(source: SourceAccess, spec: S): Promise<ListedBackup[]>;
  open(ctx: RestoreTest, spec: S, backup: ListedBackup): FormatRun;
}

export function defineFormat<S>(format: BackupFormat<S>): BackupFormat<S> {
  return format;
}
