import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ConnectionInfo, PgInstance } from '../environments/types.js';
import { findPostgresBinDir } from '../environments/native/postgres-binaries.js';
import { postgresAccount, runProcess, type RunResult } from '../util/process.js';
import { withClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';
import { startRecordingS3, type RecordedRequest, type RecordingS3 } from './recording-s3.js';
import { tempDir } from './run-cli.js';
import { standaloneEnvironment } from './standalone-env.js';

/** The credentials a production setup uses for its bucket; scenarios name them as { env: SRC_KEY }. */
export const SOURCE_ENV = { SRC_KEY: 'S3RVER', SRC_SECRET: 'source-secret-do-not-leak-7f3a' } as const;
export const BUCKET = 'my-backups';
export const APP_DATABASE = 'app';

/**
 * A production setup as a user runs it, for restore tests of real backups: a PostgreSQL server with its own
 * data, and a bucket on an S3 endpoint that records every request it receives. Backups are taken with the
 * real tools (aws CLI, pg_dump, pg_basebackup, pgBackRest, barman-cloud), never with drdrill.
 */
export interface Production {
  s3: RecordingS3;
  instance: PgInstance;
  dir: string;
  db: ConnectionInfo;
  /** Environment for tools that read the bucket (AWS_*), and for restore tests (SRC_KEY, SRC_SECRET). */
  awsEnv: Record<string, string>;
  /** `aws --endpoint-url <s3> ...` as root, with the bucket's credentials. */
  aws(args: string[], opts?: { allowFailure?: boolean }): Promise<RunResult>;
  count(sql: string): Promise<number>;
  /** sha256 of every object the server stores in the bucket, read from its own storage. */
  snapshot(): Map<string, string>;
  /** Requests the bucket received since `from` (an index into the server's request log). */
  requestsSince(from: number): RecordedRequest[];
  close(): Promise<void>;
}

export async function startProduction(
  name: string,
  opts: {
    tls?: boolean;
    settings?: (p: { endpoint: string; awsEnv: Record<string, string> }) => Record<string, string>;
  } = {},
): Promise<Production> {
  const dir = tempDir(`drdrill-prod-${name}-`);
  chmodSync(dir, 0o755);
  const s3 = await startRecordingS3(join(dir, 's3'), opts.tls ? { tls: true } : {});
  try {
    return await startProductionOn(name, dir, s3, opts);
  } catch (err) {
    await s3.stop();
    throw err;
  }
}

async function startProductionOn(
  name: string,
  dir: string,
  s3: RecordingS3,
  opts: {
    tls?: boolean;
    settings?: (p: { endpoint: string; awsEnv: Record<string, string> }) => Record<string, string>;
  },
): Promise<Production> {
  const awsEnv: Record<string, string> = {
    AWS_ACCESS_KEY_ID: SOURCE_ENV.SRC_KEY,
    AWS_SECRET_ACCESS_KEY: SOURCE_ENV.SRC_SECRET,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    ...(s3.cert ? { AWS_CA_BUNDLE: s3.cert } : {}),
  };
  const aws = (args: string[], o: { allowFailure?: boolean } = {}) =>
    runProcess('/usr/bin/aws', ['--endpoint-url', s3.endpoint, ...args], {
      env: { ...process.env, ...awsEnv, HOME: dir },
      allowFailure: o.allowFailure ?? false,
    });
  await aws(['s3', 'mb', `s3://${BUCKET}`]);
  if (s3.cert) {
    // The postgres user's tools (archive_command) read the certificate too.
    const account = postgresAccount();
    if (account) chownSync(s3.cert, account.uid, account.gid);
  }
  const standalone = await standaloneEnvironment(`prod-${name}`);
  let instance: PgInstance;
  try {
    instance = await standalone.env.createInstance({ name: 'production', initdb: true });
    await instance.configure({
      wal_level: 'replica',
      ...(opts.settings?.({ endpoint: s3.endpoint, awsEnv }) ?? {}),
    });
    await instance.start();
    await withClient(instance.connection('postgres'), (c) => c.query(`CREATE DATABASE ${APP_DATABASE}`));
  } catch (err) {
    await standalone.close();
    throw err;
  }
  return {
    s3,
    instance,
    dir,
    db: instance.connection(APP_DATABASE),
    awsEnv,
    aws,
    count: (sql) =>
      withClient(instance.connection(APP_DATABASE), async (c) =>
        Number(Object.values((await c.query(sql)).rows[0] as object)[0]),
      ),
    snapshot: () => snapshotBucket(join(dir, 's3', 'data', BUCKET)),
    requestsSince: (from) => s3.requests().slice(from),
    async close() {
      await standalone.close();
      await s3.stop();
    },
  };
}

/** pgbench -i into the app database: the user's data (pgbench_accounts has 100,000 rows per scale). */
export async function loadPgbench(p: Production, scale: number): Promise<void> {
  await runProcess(join(findPostgresBinDir(), 'pgbench'), [
    '-i',
    '-q',
    '-s',
    String(scale),
    '-h',
    '127.0.0.1',
    '-p',
    String(p.db.port),
    '-U',
    'postgres',
    APP_DATABASE,
  ]);
}

/** Closes the current WAL segment and waits until archive_command has stored it. */
export async function switchAndArchive(p: Production): Promise<string> {
  const conn = p.instance.connection('postgres');
  const segment = await withClient(
    conn,
    async (c) => (await c.query<{ s: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS s')).rows[0]!.s,
  );
  await retryUntil(
    `${segment} archived`,
    () =>
      withClient(
        conn,
        async (c) =>
          (await c.query<{ l: string | null }>('SELECT last_archived_wal AS l FROM pg_stat_archiver')).rows[0]!.l ?? '',
      ),
    (last) => last.slice(0, 24) >= segment,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return segment;
}

/** A directory the postgres user can write (pg_basebackup runs as that user). */
export function postgresDir(parent: string, name: string): string {
  const d = join(parent, name);
  mkdirSync(d, { recursive: true, mode: 0o755 });
  const account = postgresAccount();
  if (account) chownSync(d, account.uid, account.gid);
  return d;
}

function snapshotBucket(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('._S3rver_object'))
        out.set(
          relative(root, full).slice(0, -'._S3rver_object'.length),
          createHash('sha256').update(readFileSync(full)).digest('hex'),
        );
    }
  };
  walk(root);
  return out;
}

/** Requests that could change a bucket: anything but GET and HEAD. */
export function writeRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
}
