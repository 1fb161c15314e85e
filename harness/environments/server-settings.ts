export type ServerSettings = Record<string, string | number | boolean>;

/** The file the harness owns inside every data directory; postgresql.conf includes it last. */
export const HARNESS_CONF = 'drdrill.conf';
export const HARNESS_CONF_INCLUDE = `include_if_exists = '${HARNESS_CONF}'`;

/**
 * Settings every drill instance runs with, whatever the environment. `where` is what differs: the address,
 * port and socket directory the instance is reached on.
 */
export function baseServerSettings(
  where: { listen: string; port: number; socketDir: string },
  extra: ServerSettings = {},
): ServerSettings {
  return {
    listen_addresses: where.listen,
    port: where.port,
    unix_socket_directories: where.socketDir,
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    hot_standby: 'on',
    track_commit_timestamp: 'on',
    shared_buffers: '64MB',
    logging_collector: 'off',
    log_line_prefix: '%m [%p] ',
    log_checkpoints: 'on',
    ...extra,
  };
}

export function renderConf(settings: ServerSettings): string {
  return (
    Object.entries(settings)
      .map(
        ([k, v]) =>
          `${k} = ${typeof v === 'number' ? v : `'${String(typeof v === 'boolean' ? (v ? 'on' : 'off') : v).replace(/'/g, "''")}'`}`,
      )
      .join('\n') + '\n'
  );
}

/** postgresql.conf with the include line appended once. */
export function withHarnessInclude(postgresqlConf: string): string {
  return postgresqlConf.includes(HARNESS_CONF_INCLUDE)
    ? postgresqlConf
    : `${postgresqlConf}\n${HARNESS_CONF_INCLUDE}\n`;
}

const CONNECTION = 'drdrill gives every instance its own address, port and socket directory and connects through them';
const ARCHIVE = 'the backup methods archive WAL through it (backup[].method)';
const RESTORE = 'the recovery procedures set it for the restore they run (recovery.procedure)';
const TARGET = 'the recovery target comes from recovery.target';
const TOPOLOGY = 'drdrill builds the standbys (environment.postgres.standby)';
const LOG = 'drdrill reads the server log from the stderr it captures and keeps it as evidence';
const LAYOUT = 'drdrill lays out the data directory and its config files';

/**
 * Settings that drdrill sets itself, with the reason. A scenario's `environment.postgres.settings` would be
 * written after them and silently win: such a scenario is refused at validation instead.
 */
export const OWNED_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: CONNECTION,
  port: CONNECTION,
  unix_socket_directories: CONNECTION,
  archive_mode: ARCHIVE,
  archive_command: ARCHIVE,
  archive_library: ARCHIVE,
  restore_command: RESTORE,
  archive_cleanup_command: RESTORE,
  recovery_end_command: RESTORE,
  recovery_target: TARGET,
  recovery_target_name: TARGET,
  recovery_target_time: TARGET,
  recovery_target_xid: TARGET,
  recovery_target_lsn: TARGET,
  recovery_target_inclusive: TARGET,
  recovery_target_timeline: TARGET,
  recovery_target_action: TARGET,
  primary_conninfo: TOPOLOGY,
  primary_slot_name: TOPOLOGY,
  synchronous_standby_names: `${TOPOLOGY}; use standby: { synchronous: true }`,
  hot_standby: TOPOLOGY,
  track_commit_timestamp: 'drdrill records the commit time of the destructive transaction with it',
  logging_collector: LOG,
  log_destination: LOG,
  data_directory: LAYOUT,
  config_file: LAYOUT,
  hba_file: LAYOUT,
  ident_file: LAYOUT,
  external_pid_file: LAYOUT,
  include: LAYOUT,
  include_dir: LAYOUT,
  include_if_exists: LAYOUT,
};

/** What is wrong with one scenario setting (name and value as written), or undefined. */
export function settingProblem(name: string, value: string | number | boolean): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) return 'is not a PostgreSQL setting name (letters, digits, "_" and ".")';
  const owner = OWNED_SETTINGS[name.toLowerCase()];
  if (owner) return `is set by drdrill and cannot be overridden: ${owner}`;
  if (name.toLowerCase() === 'wal_level' && String(value).toLowerCase() === 'minimal')
    return 'must be "replica" or "logical": backups, WAL archiving and standbys need at least replica';
  if (typeof value === 'string' && /[\r\n\0]/.test(value)) return 'must be one line';
  return undefined;
}
