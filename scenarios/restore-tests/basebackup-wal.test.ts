import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import { startKeptInstance } from '../../harness/testing/kept-instance.js';
import {
  APP_DATABASE,
  BUCKET,
  loadPgbench,
  postgresDir,
  SOURCE_ENV,
  startProduction,
  switchAndArchive,
  type Production,
} from '../../harness/testing/production.js';
import {
  expectRefusedBeforeReplay,
  runRestoreTest,
  sourceYaml,
  withTamperedObject,
} from '../../harness/testing/restore-test-run.js';
import { variant } from '../../harness/testing/journals.js';
import { runCli } from '../../harness/testing/run-cli.js';
import { withClient } from '../../harness/util/pg-client.js';

/**
 * pg_basebackup tars plus WAL archived by the seed's archive_command, run as written with the aws CLI (plus the
 * endpoint and the credentials it reads from the environment): `aws s3 cp "%p" "s3://my-backups/wal/%f"`.
 */
describe('restore tests of pg_basebackup + archived WAL (aws CLI archive_command, embedded S3)', () => {
  let p: Production;
  let label = '';
  let history = 0;
  let segments: string[] = [];

  beforeAll(async () => {
    p = await startProduction('bbwal', {
      settings: ({ endpoint, awsEnv }) => ({
        archive_mode: 'on',
        archive_command: `${Object.entries(awsEnv)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} /usr/bin/aws --endpoint-url ${endpoint} s3 cp "%p" "s3://my-backups/wal/%f"`,
      }),
    });
    await loadPgbench(p, 1);
    label = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    const out = postgresDir(p.dir, 'basebackups');
    await p.instance.runTool('pg_basebackup', {
      args: [
        '-h',
        '127.0.0.1',
        '-p',
        String(p.db.port),
        '-U',
        'postgres',
        '-Ft',
        '-z',
        '--checkpoint=fast',
        '-D',
        join(out, label),
      ],
    });
    await p.aws(['s3', 'cp', '--recursive', join(out, label), `s3://${BUCKET}/base/${label}/`]);
    // Production keeps writing after the backup; the archive holds it, and replay must bring all of it back.
    await withClient(p.db, (c) =>
      c.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, g, now() FROM generate_series(1, 300) g',
      ),
    );
    await switchAndArchive(p);
    await withClient(p.db, (c) =>
      c.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 2, 1, g, g, now() FROM generate_series(1, 77) g',
      ),
    );
    await switchAndArchive(p);
    history = await p.count('SELECT count(*) FROM pgbench_history');
    segments = (await p.aws(['s3', 'ls', `s3://${BUCKET}/wal/`])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1) ?? '')
      .filter((n) => /^[0-9A-F]{24}$/.test(n))
      .sort();
  });
  afterAll(() => p?.close());

  const scenario = (name: string, extra = '') => `apiVersion: drdrill/v1
kind: RestoreTest
metadata: { name: ${name} }
objectives: { restore: "< 30m", backupAge: "< 26h" }
${extra}${sourceYaml(p, '""', '{ type: basebackup-wal, base: base/, wal: wal/ }')}database: ${APP_DATABASE}
verify:
  - { sql: "SELECT count(*) FROM pgbench_history", expect: "= ${history}" }
  - { amcheck: true }
`;

  it('restores the base backup and replays the archive to its end: every row production wrote is there', async () => {
    const run = await runRestoreTest(p, 'rt-bbwal', scenario('rt-bbwal'), { keep: true });
    expect(run.r.code, run.j.reason).toBe(EXIT_CODES.passed);
    expect(run.j.measurements.backup).toMatchObject({ method: 'basebackup-wal', id: label, origin: 'existing' });
    expect(run.j.measurements.wal).toMatchObject({ continuous: true, newest: segments.at(-1) });
    expect(Object.keys(run.j.measurements.restore!.phases!)).toEqual([
      'list',
      'fetch',
      'integrity',
      'restore',
      'replay',
      'verify',
    ]);
    expect(run.j.checks.find((c) => c.name === 'replay reached the newest archived WAL segment')!.status).toBe(
      'passed',
    );
    expect(run.j.checks.find((c) => c.name.startsWith('pg_verifybackup'))!.status).toBe('passed');
    const kept = await startKeptInstance(run.work, 'restored', { database: APP_DATABASE });
    try {
      const r = await kept.client.query<{ n: string }>('SELECT count(*)::text AS n FROM pgbench_history');
      expect(Number(r.rows[0]!.n)).toBe(history);
    } finally {
      await kept.stop();
    }
    expect(run.writes).toEqual([]);
    expect(run.changed).toEqual([]);
  });

  it('drdrill backups list shows the base backup with the WAL it starts in and the newest archived segment', async () => {
    const file = join(p.dir, 'basebackup-wal.yaml');
    writeFileSync(
      file,
      variant('restore-tests/basebackup-wal.yaml', [
        ['https://s3.eu-central-1.amazonaws.com', p.s3.endpoint],
        ['{ env: AWS_ACCESS_KEY_ID }', '{ env: SRC_KEY }'],
        ['{ env: AWS_SECRET_ACCESS_KEY }', '{ env: SRC_SECRET }'],
      ]),
    );
    const json = await runCli(['backups', 'list', file, '--json'], { env: SOURCE_ENV });
    expect(json.code, json.stderr).toBe(EXIT_CODES.passed);
    const [row] = JSON.parse(json.stdout) as { id: string; wal: { start: string; end: string; newest: string } }[];
    expect(row!.id).toBe(label);
    expect(row!.wal.newest).toBe(segments.at(-1));
    expect(segments).toContain(row!.wal.start);
    const table = await runCli(['backups', 'list', file], { env: SOURCE_ENV });
    expect(table.stdout).toContain(`${row!.wal.start}..${segments.at(-1)}`);
  });

  it('a missing WAL segment fails before anything is restored, naming it', async () => {
    const missing = segments.at(-2)!;
    const file = join(p.dir, missing);
    await p.aws(['s3', 'cp', `s3://${BUCKET}/wal/${missing}`, file]);
    await p.aws(['s3', 'rm', `s3://${BUCKET}/wal/${missing}`]);
    try {
      const run = await runRestoreTest(p, 'rt-bbwal-gap', scenario('rt-bbwal-gap'));
      expect(run.r.code).toBe(EXIT_CODES.failed);
      expect(run.j.reason).toContain(
        `WAL segment ${missing} is missing from the archive (s3://${BUCKET}/wal/${missing})`,
      );
      expect(run.j.measurements.wal).toMatchObject({ continuous: false, missing });
      expect(run.j.phases.find((ph) => ph.name === 'restore')!.status).toBe('skipped');
      expect(run.writes).toEqual([]);
      expect(run.changed).toEqual([]);
    } finally {
      await p.aws(['s3', 'cp', file, `s3://${BUCKET}/wal/${missing}`]);
    }
  });

  it('a tampered base backup fails, naming the object', async () => {
    const key = `base/${label}/base.tar.gz`;
    await withTamperedObject(
      p,
      key,
      (original) => {
        const tampered = Buffer.from(original);
        const middle = Math.floor(tampered.length / 2);
        tampered.fill(0, middle, middle + 32);
        return tampered;
      },
      async () =>
        expectRefusedBeforeReplay(await runRestoreTest(p, 'rt-bbwal-tampered', scenario('rt-bbwal-tampered')), key),
    );
  });

  it('a backup older than backupAge fails the objective', async () => {
    const run = await runRestoreTest(
      p,
      'rt-bbwal-old',
      scenario('rt-bbwal-old')
        .replace('backupAge: "< 26h"', 'backupAge: "< 1s"')
        .replace('  - { amcheck: true }\n', ''),
    );
    expect(run.r.code).toBe(EXIT_CODES.failed);
    expect(run.j.reason).toMatch(/objective backup\.ageSeconds < 1s missed/);
    expect(run.j.checks.every((c) => c.status === 'passed')).toBe(true);
    expect(run.writes).toEqual([]);
    expect(readdirSync(run.dir)).toContain('journal.json');
  });
});
