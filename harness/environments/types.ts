import type { Readable, Writable } from 'node:stream';
import type { EnvironmentKind, EnvironmentSpec } from '../scenario/schema.js';
import type { Logger } from '../util/logger.js';
import type { Journal } from '../engine/journal.js';

export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export interface ObjectStoreConnection {
  kind: 'embedded' | 's3';
  /** Endpoint as the harness reaches it. */
  endpoint: string;
  /** Endpoint as processes inside an instance (archive_command) reach it; same as endpoint for native. */
  endpointForInstances: string;
  bucket: string;
  /** Key prefix that holds this drill's objects, ending in "/" (or empty). */
  prefix: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key under the prefix where archived WAL lives (default "wal/"); a restore test reads the user's layout. */
  walDir?: string;
  /** PEM of a self-signed CA when the endpoint is TLS (embedded + pgBackRest), as the harness reads it. */
  caCertFile?: string;
  /** The same CA as processes inside an instance read it. */
  caCertFileForInstances?: string;
}

export type PgTool =
  | 'pg_basebackup'
  | 'pg_dump'
  | 'pg_dumpall'
  | 'pg_restore'
  | 'psql'
  | 'pg_verifybackup'
  | 'pg_waldump'
  | 'pg_amcheck'
  | 'pg_checksums'
  | 'pg_controldata'
  | 'pg_rewind'
  | 'pgbench'
  | 'pg_isready'
  | 'initdb'
  | 'pgbackrest'
  // barman-cloud (Debian barman-cli-cloud): restore tests of CloudNativePG / Barman object-store backups.
  | 'barman-cloud-backup-list'
  | 'barman-cloud-restore'
  | 'barman-cloud-wal-restore';

export interface ToolRun {
  /** Arguments after the tool name. Paths are in the instance's own filesystem namespace. */
  args: string[];
  stdin?: Readable | string;
  /** Stream stdout here instead of buffering it. */
  stdout?: Writable;
  env?: Record<string, string>;
  /** Resolve with the exit code instead of throwing when it is non-zero. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export interface ToolResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface InstanceSpec {
  /** Unique within the drill: "primary", "standby-1", "restored-1". */
  name: string;
  /** Run initdb (with data checksums). False: an empty data directory, filled by a restore. */
  initdb: boolean;
  /** postgresql.conf settings applied before the first start. */
  settings?: Record<string, string | number | boolean>;
  /** Put the data directory (and optionally pg_wal) on size-limited volumes. */
  volume?: { sizeMB: number; walSizeMB?: number };
  /** kubernetes: the data volume is a new PVC with this VolumeSnapshot as its dataSource. */
  fromSnapshot?: string;
  /** native: run this PostgreSQL major (the host must have it); default: the environment's. */
  version?: string;
}

export interface VolumeHandle {
  readonly path: string;
  readonly sizeMB: number;
  grow(sizeMB: number): Promise<void>;
}

export interface PgInstance {
  readonly name: string;
  /** The data directory in the instance's filesystem namespace. */
  readonly dataDir: string;
  /** How the harness connects. */
  connection(database?: string): ConnectionInfo;
  /** How another instance of the same environment (a standby, pg_rewind) connects to this one. */
  peerConnection(database?: string): ConnectionInfo;
  start(opts?: { waitReady?: boolean; timeoutMs?: number }): Promise<void>;
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** Deliver a signal to the postmaster (SIGKILL: a crash); says what was hit, for the journal. */
  kill(signal: NodeJS.Signals): Promise<string>;
  isRunning(): Promise<boolean>;
  /** Resolves when the postmaster exits by itself (e.g. WAL PANIC); gives its exit code or signal. */
  exited(): Promise<{ code: number | null; signal: string | null }>;
  runTool(tool: PgTool, run: ToolRun): Promise<ToolResult>;
  readFile(relPath: string): Promise<Buffer>;
  writeFile(relPath: string, data: Buffer | string, opts?: { position?: number }): Promise<void>;
  removePath(relPath: string): Promise<void>;
  exists(relPath: string): Promise<boolean>;
  /** Extract a tar stream into the data directory (or a sub-directory such as pg_wal). */
  extractTar(tar: Readable, subdir?: string): Promise<void>;
  /** Append settings to postgresql.auto.conf (values are quoted for you). */
  configure(settings: Record<string, string | number | boolean>): Promise<void>;
  /** The last lines of the server log, for evidence. */
  logTail(lines?: number): Promise<string>;
  /** Size-limited volumes, when the spec asked for them. */
  readonly volume?: VolumeHandle;
  readonly walVolume?: VolumeHandle;
  /**
   * A host program's command line that sees the instance's mounts as the instance does (native without root:
   * inside the user namespace that holds its volumes). Absent where the host program sees them anyway.
   */
  hostCommand?(file: string, args: string[]): [string, string[]];
  /**
   * Shell command for archive_command/restore_command that runs `drdrill wal <action>` inside the instance;
   * for fetch the environment adds a prefetch spool directory it owns.
   */
  walCommand(action: 'push' | 'fetch', placeholders: string): string;
  /**
   * Writes a file outside the data directory, readable only by the instance's user (e.g. a pgBackRest
   * config holding credentials), and returns its path in the instance's filesystem namespace.
   */
  writePrivateFile(name: string, data: Buffer | string): Promise<string>;
  /** Directory of the server's Unix socket, in the instance's namespace (local tools such as pgBackRest use it). */
  readonly socketDir: string;
  /** Remove the data directory and everything local to the instance (cluster loss). Stops nothing. Says what went. */
  destroyData(): Promise<string>;
  /**
   * After a restore filled the data directory with another cluster's files: re-apply this instance's own
   * settings (port, sockets, listen address) so it does not start with the source's.
   */
  adoptDataDirectory(settings?: Record<string, string | number | boolean>): Promise<void>;
}

/** A running environment. Disposal removes everything it created, in reverse order. */
export interface StartedEnvironment extends AsyncDisposable {
  readonly kind: EnvironmentKind;
  readonly workDir: string;
  readonly objectStore: ObjectStoreConnection;
  createInstance(spec: InstanceSpec): Promise<PgInstance>;
  /** Versions of the PostgreSQL tools the environment runs. */
  toolVersions(): Promise<Record<string, string>>;
  /** Whether a size-limited volume can be made here, and why not. */
  volumeSupport(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** The object store's own log, kept as evidence when a drill does not pass (when the environment runs it). */
  objectStoreLog?(): Promise<string>;
  /**
   * Takes the object store away from every client until restoreObjectStore() (fault archive-failure): says what
   * was done. Absent where drdrill does not run the object store itself.
   */
  interruptObjectStore?(): Promise<string>;
  /** Brings the object store back at the same endpoint with the same objects; says what was done. */
  restoreObjectStore?(): Promise<string>;
  /** Whether the pgBackRest binary is available to instances. */
  pgbackrestSupport(): Promise<{ ok: true; version: string } | { ok: false; reason: string }>;
  /** Top-level journal fields the environment adds (kubernetes: what it applied; simulated clusters say so). */
  journalFields?(): Pick<Journal, 'simulated' | 'kubernetes'>;
}

export interface EnvironmentStartOptions {
  drillName: string;
  /** Unique id of this run, used in names and labels so concurrent drills never collide. */
  runId: string;
  workDir: string;
  spec: EnvironmentSpec;
  /** Keep work directories and containers after the drill (for debugging). */
  keep: boolean;
  logger: Logger;
  /** Registers a teardown step (LIFO). */
  onTeardown: (title: string, fn: () => Promise<void>) => void;
  signal: AbortSignal;
}

export interface EnvironmentProvider {
  readonly kind: EnvironmentKind;
  /** Fails with a DrillError('missing-prerequisite') naming what is missing and how to get it. */
  checkPrerequisites(spec: EnvironmentSpec): Promise<void>;
  start(opts: EnvironmentStartOptions): Promise<StartedEnvironment>;
}
