import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import { startKeptInstance } from '../../harness/testing/kept-instance.js';
import {
  APP_DATABASE,
  BUCKET,
  loadPgbench,
  SOURCE_ENV,
  startProduction,
  writeRequests,
  type Production,
} from '../../harness/testing/production.js';
import { runRestoreTest, sourceYaml } from '../../harness/testing/restore-test-run.js';
import { variant } from '../../harness/testing/journals.js';
import { runCli } from '../../harness/testing/run-cli.js';
import { samplesFromJournal } from '../../harness/metrics/from-journal.js';
import { runProcess } from '../../harness/util/process.js';
import { findPostgresBinDir } from '../../harness/environments/native/postgres-binaries.js';

/**
 * The seed's "Full Backup Job" CronJob, verbatim apart from the S3 endpoint and where /backups is mounted.
 * With PostgreSQL 15, `pg_dump --all` is an unknown option: pg_dump fails, the redirect leaves an empty file
 * and `aws s3 cp` uploads it, so the job "succeeds" every night with an empty backup.
 */
const SEED_BACKUP_JOB = `BACKUP_FILE="/backups/postgres-full-$(date +\\%Y\\%m\\%d-\\%H\\%M\\%S).sql.gz"
pg_dump -h $PGHOST -U $PGUSER --all --compress=9 > $BACKUP_FILE
echo "Backup completed: $BACKUP_FILE"

# Upload to cloud storage (example: S3)
aws s3 cp $BACKUP_FILE s3://my-backups/postgres/
`;

/** What the job means (every database: pg_dumpall), in the same layout: the valid nightly backup. */
const DUMPALL_JOB = SEED_BACKUP_JOB.replace(
  'pg_dump -h $PGHOST -U $PGUSER --all --compress=9 > $BACKUP_FILE',
  'pg_dumpall -h $PGHOST -U $PGUSER | gzip -9 > $BACKUP_FILE',
);

describe('restore tests of pg_dump / pg_dumpall backups (the seed CronJob, aws CLI, embedded S3)', () => {
  let p: Production;
  let backups: string;
  let accountsAtBackup = 0;
  let historyAtBackup = 0;
  let seedKey = '';
  let validKey = '';

  const runJob = async (script: string) => {
    const r = await runProcess(
      '/bin/bash',
      [
        '-c',
        script.replace(/\/backups\//g, `${backups}/`).replace('aws s3 cp', `aws --endpoint-url ${p.s3.endpoint} s3 cp`),
      ],
      {
        env: {
          ...p.awsEnv,
          HOME: p.dir,
          PATH: `${findPostgresBinDir()}:/usr/bin:/bin`,
          PGHOST: '127.0.0.1',
          PGPORT: String(p.db.port),
          PGUSER: 'postgres',
        },
        allowFailure: true,
      },
    );
    return /Backup completed: \S+\/(postgres-full-\S+\.sql\.gz)/.exec(r.stdout)![1]!;
  };

  beforeAll(async () => {
    p = await startProduction('dump');
    backups = join(p.dir, 'backups');
    await runProcess('mkdir', ['-p', backups]);
    await loadPgbench(p, 1);
    await p.count('SELECT count(*) FROM pgbench_accounts');
    await runProcess(join(findPostgresBinDir(), 'psql'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(p.db.port),
      '-U',
      'postgres',
      '-d',
      APP_DATABASE,
      '-c',
      'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, g, now() FROM generate_series(1, 250) g',
    ]);
    seedKey = await runJob(SEED_BACKUP_JOB);
    await new Promise((r) => setTimeout(r, 1100)); // the file name has one-second resolution
    accountsAtBackup = await p.count('SELECT count(*) FROM pgbench_accounts');
    historyAtBackup = await p.count('SELECT count(*) FROM pgbench_history');
    validKey = await runJob(DUMPALL_JOB);
    // Production moves on after the backup: the restore must hold the backup's rows, not today's.
    await runProcess(join(findPostgresBinDir(), 'psql'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(p.db.port),
      '-U',
      'postgres',
      '-d',
      APP_DATABASE,
      '-c',
      'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 2, 1, g, g, now() FROM generate_series(1, 40) g',
    ]);
  });
  afterAll(() => p?.close());

  const scenario = (name: string, select: string, extra = '') => `apiVersion: drdrill/v1
kind: RestoreTest
metadata: { name: ${name} }
objectives: { restore: "< 30m", backupAge: "< 26h" }
${sourceYaml(p, 'postgres/', '{ type: dump }', select)}database: ${APP_DATABASE}
verify:
  - { sql: "SELECT count(*) FROM pgbench_accounts", expect: "= ${accountsAtBackup}" }
${extra}`;

  it('the newest nightly dump restores with the rows it was taken with; the source receives no write', async () => {
    const run = await runRestoreTest(p, 'rt-dump', scenario('rt-dump', 'newest'), { keep: true });
    expect(run.r.code, run.r.stdout + run.r.stderr).toBe(EXIT_CODES.passed);
    expect(run.j.measurements.backup).toMatchObject({ method: 'dump', origin: 'existing', id: validKey });
    expect(run.j.measurements.backup!.ageSeconds).toBeLessThan(120);
    const restore = run.j.measurements.restore!;
    expect(Object.keys(restore.phases!)).toEqual(['list', 'fetch', 'integrity', 'restore', 'verify']);
    expect(restore.seconds).toBeGreaterThan(0);
    expect(restore.bytes).toBeGreaterThan(100_000);
    const kept = await startKeptInstance(run.work, 'restored', { database: APP_DATABASE });
    try {
      const n = async (sql: string) => Number(Object.values((await kept.client.query(sql)).rows[0] as object)[0]);
      expect(await n('SELECT count(*) FROM pgbench_accounts')).toBe(accountsAtBackup);
      expect(await n('SELECT count(*) FROM pgbench_history')).toBe(historyAtBackup);
    } finally {
      await kept.stop();
    }
    expect(run.writes).toEqual([]);
    expect(run.changed).toEqual([]);
    expect(run.requests).toBeGreaterThan(0);
    // The metrics a restore test gives: backup age, size (origin existing), restore time and bytes.
    const samples = samplesFromJournal(run.j).map((m) => `${m.name}${m.labels.origin ? `{${m.labels.origin}}` : ''}`);
    expect(samples).toEqual(
      expect.arrayContaining([
        'drdrill_backup_age_seconds',
        'drdrill_backup_size_bytes{existing}',
        'drdrill_restore_duration_seconds',
        'drdrill_restore_size_bytes',
        'drdrill_restore_throughput_bytes_per_second',
      ]),
    );
    // The source credentials never reach an artifact.
    for (const f of readdirSync(run.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()))
      expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain('source-secret-do-not-leak');
  });

  it('drdrill backups list prints every dump of the shipped example source, with time, size and age', async () => {
    const file = join(p.dir, 'dump.yaml');
    writeFileSync(
      file,
      variant('restore-tests/dump.yaml', [
        ['https://s3.eu-central-1.amazonaws.com', p.s3.endpoint],
        ['{ env: AWS_ACCESS_KEY_ID }', '{ env: SRC_KEY }'],
        ['{ env: AWS_SECRET_ACCESS_KEY }', '{ env: SRC_SECRET }'],
      ]),
    );
    const from = p.s3.requests().length;
    const table = await runCli(['backups', 'list', file], { env: SOURCE_ENV });
    expect(table.code, table.stderr).toBe(EXIT_CODES.passed);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME \(UTC\)\s+SIZE\s+WAL\s+AGE$/);
    expect(lines.find((l) => l.startsWith(seedKey))).toMatch(/\s0 B\s+—\s+\d/);
    expect(lines.find((l) => l.startsWith(validKey))).toMatch(/KiB/);
    const json = await runCli(['backups', 'list', file, '--json'], { env: SOURCE_ENV });
    const rows = JSON.parse(json.stdout) as { id: string; bytes: number; ageSeconds: number }[];
    expect(rows.map((r) => r.id)).toEqual([seedKey, validKey]);
    expect(rows[1]!.ageSeconds).toBeLessThan(600);
    expect(writeRequests(p.requestsSince(from))).toEqual([]);
  });

  it("the seed's job as written uploads an empty file: integrity fails naming it, before any restore", async () => {
    const run = await runRestoreTest(p, 'rt-dump-seed', scenario('rt-dump-seed', `{ id: ${seedKey} }`));
    expect(run.r.code).toBe(EXIT_CODES.failed);
    expect(run.j.reason).toContain(`s3://${BUCKET}/postgres/${seedKey} is empty (0 bytes)`);
    expect(run.j.phases.find((ph) => ph.name === 'restore')!.status).toBe('skipped');
    expect(run.writes).toEqual([]);
    expect(run.changed).toEqual([]);
  });

  it('a truncated gzip dump fails integrity, naming the object, before any restore starts', async () => {
    const whole = await p.aws(['s3', 'cp', `s3://${BUCKET}/postgres/${validKey}`, join(p.dir, 'whole.sql.gz')]);
    expect(whole.code).toBe(0);
    const data = readFileSync(join(p.dir, 'whole.sql.gz'));
    const key = 'postgres/postgres-full-20200101-000000.sql.gz';
    await writeAndUpload(p, key, data.subarray(0, Math.floor(data.length / 2)));
    const run = await runRestoreTest(
      p,
      'rt-dump-truncated',
      scenario('rt-dump-truncated', `{ id: ${key.slice('postgres/'.length)} }`),
    );
    expect(run.r.code).toBe(EXIT_CODES.failed);
    expect(run.j.reason).toMatch(new RegExp(`s3://${BUCKET}/${key}: gzip test failed`));
    expect(run.j.phases.find((ph) => ph.name === 'restore')!.status).toBe('skipped');
    expect(run.writes).toEqual([]);
    expect(run.changed).toEqual([]);
    await p.aws(['s3', 'rm', `s3://${BUCKET}/${key}`]);
  });

  it('a tampered dump fails, naming the object', async () => {
    await p.aws(['s3', 'cp', `s3://${BUCKET}/postgres/${validKey}`, join(p.dir, 'whole.sql.gz')]);
    const data = Buffer.from(readFileSync(join(p.dir, 'whole.sql.gz')));
    const middle = Math.floor(data.length / 2);
    data.fill(0, middle, middle + 16);
    await writeAndUpload(p, `postgres/${validKey}`, data);
    try {
      const run = await runRestoreTest(p, 'rt-dump-tampered', scenario('rt-dump-tampered', 'newest'));
      expect(run.r.code).toBe(EXIT_CODES.failed);
      expect(run.j.reason).toContain(`s3://${BUCKET}/postgres/${validKey}: gzip test failed`);
      expect(run.writes).toEqual([]);
      expect(run.changed).toEqual([]);
    } finally {
      await p.aws(['s3', 'cp', join(p.dir, 'whole.sql.gz'), `s3://${BUCKET}/postgres/${validKey}`]);
    }
  });

  it('a backup older than backupAge fails the objective, though it restores', async () => {
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const key = `postgres/postgres-full-${old}.sql.gz`;
    await p.aws(['s3', 'cp', join(p.dir, 'whole.sql.gz'), `s3://${BUCKET}/${key}`]);
    const run = await runRestoreTest(p, 'rt-dump-old', scenario('rt-dump-old', `{ before: 24h }`));
    expect(run.r.code).toBe(EXIT_CODES.failed);
    expect(run.j.measurements.backup!.id).toBe(key.slice('postgres/'.length));
    expect(run.j.measurements.backup!.ageSeconds).toBeGreaterThan(2 * 86_400 - 60);
    expect(run.j.reason).toMatch(/objective backup\.ageSeconds < 26h missed/);
    expect(run.j.checks.every((c) => c.status === 'passed')).toBe(true);
    expect(run.writes).toEqual([]);
    await p.aws(['s3', 'rm', `s3://${BUCKET}/${key}`]);
  });

  it('compareWith finds the table whose row count differs from production, reading production read-only', async () => {
    const tablesBefore = await p.count("SELECT count(*) FROM pg_class WHERE relkind = 'r'");
    const historyNow = await p.count('SELECT count(*) FROM pgbench_history');
    const run = await runRestoreTest(
      p,
      'rt-dump-compare',
      scenario(
        'rt-dump-compare',
        'newest',
        `  - compareWith: { env: PROD_DSN }
    tables: [pgbench_accounts, pgbench_history, { table: pgbench_history, where: "tid = 1" }]
`,
      ),
      { env: { PROD_DSN: `postgresql://postgres:not-a-real-password@127.0.0.1:${p.db.port}/${APP_DATABASE}` } },
    );
    expect(run.r.code, JSON.stringify(run.j.checks, null, 1)).toBe(EXIT_CODES.failed);
    const compared = run.j.checks.filter((c) => c.name.startsWith('row count of'));
    expect(compared.map((c) => [c.name, c.status])).toEqual([
      ['row count of pgbench_accounts matches the reference', 'passed'],
      ['row count of pgbench_history matches the reference', 'failed'],
      ['row count of pgbench_history matches the reference (tid = 1)', 'passed'],
    ]);
    expect(compared[1]!.message).toBe(
      `pgbench_history: ${historyAtBackup} rows restored, ${historyNow} in the reference (tolerance 0)`,
    );
    expect(compared[1]!.covers).toEqual(['pgbench_history']);
    // Production was only read.
    expect(await p.count("SELECT count(*) FROM pg_class WHERE relkind = 'r'")).toBe(tablesBefore);
    expect(await p.count('SELECT count(*) FROM pgbench_history')).toBe(historyNow);
    expect(JSON.stringify(run.j)).not.toContain('not-a-real-password');
  });
});

async function writeAndUpload(p: Production, key: string, data: Buffer): Promise<void> {
  const file = join(p.dir, 'upload.tmp');
  writeFileSync(file, data);
  await p.aws(['s3', 'cp', file, `s3://${BUCKET}/${key}`]);
}
