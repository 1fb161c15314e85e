import { cpus } from 'node:os';
import type { PgInstance, StartedEnvironment } from '../environments/types.js';
import type { EnvironmentRecord } from './journal.js';
import { withClient } from '../util/pg-client.js';

/** Settings that decide what a drill can lose or how fast it recovers. */
const SETTINGS_THAT_MATTER = [
  'wal_level',
  'archive_mode',
  'archive_command',
  'archive_timeout',
  'restore_command',
  'synchronous_commit',
  'synchronous_standby_names',
  'data_checksums',
  'full_page_writes',
  'fsync',
  'wal_log_hints',
  'max_wal_size',
  'checkpoint_timeout',
  'track_commit_timestamp',
  'shared_buffers',
  'block_size',
  'wal_segment_size',
];

export async function describeEnvironment(env: StartedEnvironment, primary: PgInstance): Promise<EnvironmentRecord> {
  const pgInfo = await withClient(primary.connection('postgres'), async (c) => {
    const v = await c.query<{ version: string; num: string }>(
      `SELECT version() AS version, current_setting('server_version_num') AS num`,
    );
    const s = await c.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
      [SETTINGS_THAT_MATTER],
    );
    return {
      version: v.rows[0]!.version,
      versionNum: Number(v.rows[0]!.num),
      settings: Object.fromEntries(s.rows.map((r) => [r.name, r.setting])),
    };
  });
  const store = env.objectStore;
  return {
    kind: env.kind,
    postgres: pgInfo,
    objectStore: { kind: store.kind, endpoint: store.endpoint, bucket: store.bucket, prefix: store.prefix },
    tools: await env.toolVersions(),
    host: { platform: process.platform, arch: process.arch, node: process.version, cpus: cpus().length },
  };
}
