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

const STANZA = 'main';

/** An existing pgBackRest repository: stanza-create, archive-push as archive_command, `pgbackrest backup`. */
describe('restore tests of a pgBackRest repository (pgbackrest backup on a stanza, embedded S3 over TLS)', () => {
  let p: Production;
  let conf = '';
  let label = '';
  let history = 0;
  let segments: string[] = [];

  const pgbackrest = (args: string[]) =>
    p.instance.runTool('pgbackrest', { args: [`--config=${conf}`, `--stanza=${STANZA}`, ...args] });

  beforeAll(async () => {
    let endpointUrl = '';
    p = await startProduction('pgbackrest', {
      tls: true,
      settings: ({ endpoint }) => {
        endpointUrl = endpoint;
        return {};
      },
    });
    const url = new URL(endpointUrl);
    conf = await p.instance.writePrivateFile(
      'pgbackrest.conf',
      [
        '[global]',
        'repo1-type=s3',
        'repo1-path=/pgbackrest',
        `repo1-s3-bucket=${BUCKET}`,
        `repo1-s3-endpoint=${url.hostname}`,
        `repo1-storage-port=${url.port}`,
        'repo1-s3-region=us-east-1',
        'repo1-s3-uri-style=path',
        `repo1-s3-key=${SOURCE_ENV.SRC_KEY}`,
        `repo1-s3-key-secret=${SOURCE_ENV.SRC_SECRET}`,
        'repo1-storage-verify-tls=n',
        `log-path=${p.instance.dataDir}/..`,
        `lock-path=${p.instance.dataDir}/..`,
        'log-level-file=off',
        'start-fast=y',
        `[${STANZA}]`,
        `pg1-path=${p.instance.dataDir}`,
        `pg1-port=${p.db.port}`,
        `pg1-socket-path=${p.instance.socketDir}`,
      ].join('\n') + '\n',
    );
    await p.instance.configure({
      archive_mode: 'on',
      archive_command: `pgbackrest --config=${conf} --stanza=${STANZA} archive-push %p`,
    });
    await p.instance.stop('fast');
    await p.instance.start();
    await loadPgbench(p, 1);
    await pgbackrest(['stanza-create']);
    await pgbackrest(['backup', '--type=full']);
    const info = JSON.parse((await pgbackrest(['info', '--output=json'])).stdout) as { backup: { label: string }[] }[];
    label = info[0]!.backup.at(-1)!.label;
    await withClient(p.db, (c) =>
      c.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 1, 1, g, g, now() FROM generate_series(1, 120) g',
      ),
    );
    await switchAndArchive(p);
    await withClient(p.db, (c) =>
      c.query(
        'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT 2, 1, g, g, now() FROM generate_series(1, 33) g',
      ),
    );
    await switchAndArchive(p);
    history = await p.count('SELECT count(*) FROM pgbench_history');
    segments = (await p.aws(['s3', 'ls', '--recursive', `s3://${BUCKET}/pgbackrest/archive/${STANZA}/`])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1) ?? '')
      .filter((k) => /\/[0-9A-F]{24}-[0-9a-f]{40}/.test(k))
      .sort();
  });
  afterAll(() => p?.close());

  const scenario = (name: string, objectives = 'backupAge: "< 26h"') => `apiVersion: drdrill/v1
kind: RestoreTest
metadata: { name: ${name} }
objectives: { restore: "< 30m", ${objectives} }
${sourceYaml(p, 'pgbackrest', `{ type: pgbackrest, stanza: ${STANZA}, verifyTls: false }`)}database: ${APP_DATABASE}
verify:
  - { sql: "SELECT count(*) FROM pgbench_history", expect: "= ${history}" }
`;

  it('pgbackrest verify passes, the restore replays to the end of the archive, rows match production', async () => {
    const run = await runRestoreTest(p, 'rt-pgbackrest', scenario('rt-pgbackrest'), { keep: true });
    expect(run.r.code, run.j.reason).toBe(EXIT_CODES.passed);
    expect(run.j.measurements.backup).toMatchObject({ method: 'pgbackrest', id: label });
    expect(run.j.measurements.wal).toMatchObject({ continuous: true });
    expect(run.j.checks.find((c) => c.name === `pgbackrest verify of stanza ${STANZA}`)!.status).toBe('passed');
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

  it('a tampered repository file fails pgbackrest verify, naming it', async () => {
    const key = `pgbackrest/backup/${STANZA}/${label}/pg_data/PG_VERSION.gz`;
    await withTamperedObject(
      p,
      key,
      () => Buffer.from('not the file pgBackRest stored'),
      async () =>
        expectRefusedBeforeReplay(
          await runRestoreTest(p, 'rt-pgbackrest-tampered', scenario('rt-pgbackrest-tampered')),
          key,
        ),
    );
  });

  it('a missing WAL segment fails before the server starts, naming it', async () => {
    const key = segments.at(-2)!;
    const segment = /([0-9A-F]{24})-/.exec(key)![1]!;
    const file = join(p.dir, 'segment');
    await p.aws(['s3', 'cp', `s3://${BUCKET}/${key}`, file]);
    await p.aws(['s3', 'rm', `s3://${BUCKET}/${key}`]);
    try {
      const run = await runRestoreTest(p, 'rt-pgbackrest-gap', scenario('rt-pgbackrest-gap'));
      expect(run.r.code).toBe(EXIT_CODES.failed);
      expect(run.j.reason).toContain(`WAL segment ${segment} is missing from the archive`);
      expect(run.j.phases.find((ph) => ph.name === 'replay')!.status).toBe('skipped');
      expect(run.writes).toEqual([]);
      expect(run.changed).toEqual([]);
    } finally {
      await p.aws(['s3', 'cp', file, `s3://${BUCKET}/${key}`]);
    }
  });

  it('a backup older than backupAge fails the objective', async () => {
    const run = await runRestoreTest(p, 'rt-pgbackrest-old', scenario('rt-pgbackrest-old', 'backupAge: "< 1s"'));
    expect(run.r.code).toBe(EXIT_CODES.failed);
    expect(run.j.reason).toMatch(/objective backup\.ageSeconds < 1s missed/);
    expect(run.writes).toEqual([]);
  });
});
