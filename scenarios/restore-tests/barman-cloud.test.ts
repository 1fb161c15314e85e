import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import { startKeptInstance } from '../../harness/testing/kept-instance.js';
import {
  APP_DATABASE,
  BUCKET,
  loadPgbench,
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
import { withClient } from '../../harness/util/pg-client.js';
import { runProcess } from '../../harness/util/process.js';

const SERVER = 'cluster-example';

/**
 * The layout CloudNativePG and Barman write: `barman-cloud-wal-archive` as archive_command and
 * `barman-cloud-backup`, both from the Debian package barman-cli-cloud.
 */
describe('restore tests of barman-cloud backups (barman-cloud-backup + barman-cloud-wal-archive, embedded S3)', () => {
  let p: Production;
  let backupId = '';
  let history = 0;
  let walKeys: string[] = [];
  let endpointUrl = '';

  const env = () =>
    Object.entries(p.awsEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');

  beforeAll(async () => {
    p = await startProduction('barman', {
      settings: ({ endpoint, awsEnv }) => {
        endpointUrl = endpoint;
        return {
          archive_mode: 'on',
          archive_command: `${Object.entries(awsEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')} barman-cloud-wal-archive --endpoint-url ${endpoint} s3://${BUCKET}/barman ${SERVER} %p`,
        };
      },
    });
    await loadPgbench(p, 1);
    const backup = await runProcess(
      '/bin/sh',
      [
        '-c',
        `${env()} barman-cloud-backup --immediate-checkpoint --endpoint-url ${endpointUrl} -h 127.0.0.1 -p ${p.db.port} -U postgres s3://${BUCKET}/barman ${SERVER}`,
      ],
      { env: { ...process.env, HOME: p.dir, PATH: '/usr/bin:/bin' } },
    );
    expect(backup.code).toBe(0);
    await withClient(p.db, (c) =>
      c.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, g, now() FROM generate_series(1, 210) g',
      ),
    );
    await switchAndArchive(p);
    await withClient(p.db, (c) =>
      c.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 2, 1, g, g, now() FROM generate_series(1, 9) g',
      ),
    );
    await switchAndArchive(p);
    history = await p.count('SELECT count(*) FROM pgbench_history');
    const listing = (await p.aws(['s3', 'ls', '--recursive', `s3://${BUCKET}/barman/${SERVER}/`])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1) ?? '');
    backupId = /base\/([^/]+)\/backup\.info$/.exec(listing.find((k) => k.endsWith('backup.info'))!)![1]!;
    walKeys = listing.filter((k) => /\/wals\/[0-9A-F]{16}\/[0-9A-F]{24}$/.test(k)).sort();
  });
  afterAll(() => p?.close());

  const scenario = (name: string, objectives = 'backupAge: "< 26h"') => `apiVersion: drdrill/v1
kind: RestoreTest
metadata: { name: ${name} }
objectives: { restore: "< 30m", ${objectives} }
${sourceYaml(p, 'barman', `{ type: barman-cloud, serverName: ${SERVER} }`)}database: ${APP_DATABASE}
verify:
  - { sql: "SELECT count(*) FROM pgbench_history", expect: "= ${history}" }
`;

  it('barman-cloud-restore and barman-cloud-wal-restore bring back every row production wrote', async () => {
    const run = await runRestoreTest(p, 'rt-barman', scenario('rt-barman'), { keep: true });
    expect(run.r.code, run.j.reason).toBe(EXIT_CODES.passed);
    expect(run.j.measurements.backup).toMatchObject({ method: 'barman-cloud', id: backupId });
    expect(run.j.measurements.wal).toMatchObject({ continuous: true });
    expect(run.j.checks.find((c) => c.name === 'replay reached the newest archived WAL segment')!.status).toBe(
      'passed',
    );
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

  it('a tampered data.tar fails, naming the object', async () => {
    const key = `barman/${SERVER}/base/${backupId}/data.tar`;
    await withTamperedObject(
      p,
      key,
      (original) => {
        // The first tar header: barman-cloud records no checksum of its tars, so damage shows when they are read.
        const tampered = Buffer.from(original);
        tampered.fill(0x41, 0, 512);
        return tampered;
      },
      async () =>
        expectRefusedBeforeReplay(await runRestoreTest(p, 'rt-barman-tampered', scenario('rt-barman-tampered')), key),
    );
  });

  it('a missing WAL segment fails before the server starts, naming it', async () => {
    const key = walKeys.at(-2)!;
    const segment = key.slice(-24);
    const file = join(p.dir, 'segment');
    await p.aws(['s3', 'cp', `s3://${BUCKET}/${key}`, file]);
    await p.aws(['s3', 'rm', `s3://${BUCKET}/${key}`]);
    try {
      const run = await runRestoreTest(p, 'rt-barman-gap', scenario('rt-barman-gap'));
      expect(run.r.code).toBe(EXIT_CODES.failed);
      expect(run.j.reason).toContain(`WAL segment ${segment} is missing from the archive (s3://${BUCKET}/${key})`);
      expect(run.j.phases.find((ph) => ph.name === 'replay')!.status).toBe('skipped');
      expect(run.writes).toEqual([]);
      expect(run.changed).toEqual([]);
    } finally {
      await p.aws(['s3', 'cp', file, `s3://${BUCKET}/${key}`]);
    }
  });

  it('a backup older than backupAge fails the objective', async () => {
    const run = await runRestoreTest(p, 'rt-barman-old', scenario('rt-barman-old', 'backupAge: "< 1s"'));
    expect(run.r.code).toBe(EXIT_CODES.failed);
    expect(run.j.reason).toMatch(/objective backup\.ageSeconds < 1s missed/);
    expect(run.writes).toEqual([]);
  });
});
