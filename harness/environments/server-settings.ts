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
