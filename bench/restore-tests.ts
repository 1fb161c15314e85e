import { join } from 'node:path';
import { findPostgresBinDir } from '../harness/environments/native/postgres-binaries.js';
import {
  APP_DATABASE,
  BUCKET,
  loadPgbench,
  postgresDir,
  SOURCE_ENV,
  startProduction,
  switchAndArchive,
  type Production,
} from '../harness/testing/production.js';
import { sourceYaml } from '../harness/testing/restore-test-run.js';
import { removeTempDirs } from '../harness/testing/run-cli.js';
import { standaloneEnvironment } from '../harness/testing/standalone-env.js';
import { withClient } from '../harness/util/pg-client.js';
import { postgresAccount, runProcess } from '../harness/util/process.js';
import { retryUntil } from '../harness/util/retry.js';
import { drill, round } from './drill.js';

/** pgbench_accounts and its index take about 15 MB per scale. */
const MB_PER_SCALE = 15;

/**
 * Restore tests of a pg_dump and of a pg_basebackup + WAL source of DRDRILL_BENCH_RESTORE_MB (default 1024) of
 * data, against the raw tools run by hand on the same bytes: `aws s3 cp` + `pg_restore -j`, and `aws s3 cp` +
 * `tar -x` + a restore_command of `aws s3 cp`. Target: drdrill's restore (list to verified) <= 1.15x the raw tools.
 */
export async function restoreTestsBench(): Promise<Record<string, unknown>> {
  const mb = Number(process.env.DRDRILL_BENCH_RESTORE_MB ?? 1024);
  const scale = Math.max(1, Math.round(mb / MB_PER_SCALE));
  Object.assign(process.env, SOURCE_ENV);
  try {
    return {
      targetRatio: 1.15,
      sourceMB: mb,
      pgbenchScale: scale,
      dump: await dumpBench(scale),
      basebackupWal: await basebackupWalBench(scale),
    };
  } finally {
    removeTempDirs();
  }
}

const scenario = (p: Production, name: string, prefix: string, format: string) => `apiVersion: drdrill/v1
kind: RestoreTest
metadata: { name: ${name} }
deadline: 2h
${sourceYaml(p, prefix, format)}database: ${APP_DATABASE}
verify: [ { sql: "SELECT count(*) FROM pgbench_accounts", expect: "> 0" } ]
`;

function timing(j: ReturnType<typeof drill>, raw: number) {
  const r = j.measurements.restore;
  return {
    verdict: j.verdict,
    bytes: r?.bytes ?? null,
    drdrillSeconds: r?.seconds ?? null,
    drdrillWallSeconds: j.seconds,
    phases: r?.phases ?? {},
    bytesPerSecond: r?.bytesPerSecond ?? null,
    rawSeconds: round(raw),
    ratio: r?.seconds ? round(r.seconds / raw) : null,
    met: r?.seconds ? r.seconds / raw <= 1.15 : false,
  };
}

async function dumpBench(scale: number) {
  const p = await startProduction('bench-dump');
  try {
    await loadPgbench(p, scale);
    const bin = findPostgresBinDir();
    const file = join(p.dir, 'app.dump');
    await runProcess(join(bin, 'pg_dump'), [
      '-Fc',
      '-h',
      '127.0.0.1',
      '-p',
      String(p.db.port),
      '-U',
      'postgres',
      '-f',
      file,
      APP_DATABASE,
    ]);
    await p.aws(['s3', 'cp', file, `s3://${BUCKET}/dumps/app-20260101-000000.dump`]);
    const j = drill('bench-rt-dump', scenario(p, 'bench-rt-dump', 'dumps/', '{ type: dump }'));
    // By hand, on an instance that is already running: download, create the database, pg_restore -j, one count.
    const standalone = await standaloneEnvironment('bench-raw-dump');
    try {
      const target = await standalone.env.createInstance({ name: 'raw', initdb: true });
      await target.start();
      const local = join(postgresDir(p.dir, 'raw'), 'app.dump');
      const t0 = performance.now();
      await p.aws(['s3', 'cp', `s3://${BUCKET}/dumps/app-20260101-000000.dump`, local]);
      await withClient(target.connection('postgres'), (c) => c.query(`CREATE DATABASE ${APP_DATABASE}`));
      await target.runTool('pg_restore', { args: ['--no-owner', '-j', '4', '-d', APP_DATABASE, local] });
      await withClient(target.connection(APP_DATABASE), (c) => c.query('SELECT count(*) FROM pgbench_accounts'));
      return timing(j, (performance.now() - t0) / 1000);
    } finally {
      await standalone.close();
    }
  } finally {
    await p.close();
  }
}

async function basebackupWalBench(scale: number) {
  const p = await startProduction('bench-bbwal', {
    settings: ({ endpoint, awsEnv }) => ({
      archive_mode: 'on',
      archive_command: `${Object.entries(awsEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} /usr/bin/aws --endpoint-url ${endpoint} s3 cp "%p" "s3://${BUCKET}/wal/%f"`,
    }),
  });
  try {
    await loadPgbench(p, scale);
    const out = postgresDir(p.dir, 'base');
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
        join(out, 'b1'),
      ],
    });
    await p.aws(['s3', 'cp', '--recursive', join(out, 'b1'), `s3://${BUCKET}/base/b1/`]);
    await withClient(p.db, (c) => c.query('UPDATE pgbench_branches SET bbalance = bbalance + 1'));
    await switchAndArchive(p);
    const j = drill('bench-rt-bbwal', scenario(p, 'bench-rt-bbwal', '""', '{ type: basebackup-wal }'));
    const standalone = await standaloneEnvironment('bench-raw-bbwal');
    try {
      const target = await standalone.env.createInstance({ name: 'raw', initdb: false });
      const account = postgresAccount();
      const as = account ? { uid: account.uid, gid: account.gid } : {};
      const t0 = performance.now();
      const local = postgresDir(p.dir, 'raw-base');
      await p.aws(['s3', 'cp', '--recursive', `s3://${BUCKET}/base/b1/`, local]);
      await runProcess('tar', ['-xzf', join(local, 'base.tar.gz'), '-C', target.dataDir], as);
      await runProcess('tar', ['-xzf', join(local, 'pg_wal.tar.gz'), '-C', join(target.dataDir, 'pg_wal')], as);
      await target.adoptDataDirectory({ archive_mode: 'off' });
      const env = Object.entries(p.awsEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      await target.configure({
        restore_command: `${env} /usr/bin/aws --endpoint-url ${p.s3.endpoint} s3 cp "s3://${BUCKET}/wal/%f" "%p"`,
        recovery_target_action: 'promote',
      });
      await target.writeFile('recovery.signal', '');
      await target.start({ waitReady: false });
      await retryUntil(
        'raw restore promoted',
        () =>
          withClient(
            target.connection('postgres'),
            async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r,
          ).catch(() => true),
        (inRecovery) => !inRecovery,
        { timeoutMs: 3_600_000, intervalMs: 100 },
      );
      await withClient(target.connection(APP_DATABASE), (c) => c.query('SELECT count(*) FROM pgbench_accounts'));
      return timing(j, (performance.now() - t0) / 1000);
    } finally {
      await standalone.close();
    }
  } finally {
    await p.close();
  }
}
