import { join } from 'node:path';
import { ledgerOnlyProfile } from '../harness/workload/profiles.js';
import { WorkloadWriter } from '../harness/workload/writer.js';
import { withClient } from '../harness/util/pg-client.js';
import { silentLogger } from '../harness/util/logger.js';
import { sleep } from '../harness/util/retry.js';
import { standaloneEnvironment } from '../harness/testing/standalone-env.js';
import { median, round } from './drill.js';
import type { FoundationResult } from './results.js';

/** Provision time (PostgreSQL + S3 ready) and ledger throughput vs pgbench single-row inserts. */
export async function foundationBench(): Promise<FoundationResult> {
  const provision: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const { env, close } = await standaloneEnvironment('bench-provision');
    const primary = await env.createInstance({ name: 'primary', initdb: true });
    await primary.start();
    provision.push((performance.now() - t0) / 1000);
    await close();
  }

  const { env, close } = await standaloneEnvironment('bench-ledger');
  try {
    const primary = await env.createInstance({ name: 'primary', initdb: true });
    await primary.start();
    const conn = primary.connection('postgres');
    await WorkloadWriter.createTable(conn);
    const seconds = 10;
    const ledger = new WorkloadWriter({
      rate: 'max',
      profile: ledgerOnlyProfile(),
      ackFile: join(env.workDir, 'bench-acks.csv'),
      changeFile: join(env.workDir, 'bench-changes.csv'),
      logger: silentLogger,
    });
    ledger.start(conn);
    await sleep(seconds * 1000);
    await ledger.stop();
    const ledgerTps = ledger.acks.length / seconds;

    await withClient(conn, async (c) => {
      await c.query(
        'CREATE TABLE pgbench_single (seq bigint PRIMARY KEY, written_at timestamptz DEFAULT clock_timestamp())',
      );
      await c.query('CREATE SEQUENCE pgbench_single_seq');
    });
    await primary.writeFile(
      'bench-insert.sql',
      "INSERT INTO pgbench_single (seq) VALUES (nextval('pgbench_single_seq'));\n",
    );
    const r = await primary.runTool('pgbench', {
      args: [
        '-n',
        '-c',
        '1',
        '-T',
        String(seconds),
        '-f',
        `${primary.dataDir}/bench-insert.sql`,
        '-h',
        conn.host,
        '-p',
        String(conn.port),
        'postgres',
      ],
    });
    const pgbenchTps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
    return {
      provisionSeconds: { median: round(median(provision)), runs: provision.map(round), target: '<= 3' },
      ledger: {
        writesPerSecond: round(ledgerTps),
        pgbenchSingleInsertTps: round(pgbenchTps),
        ratio: round(ledgerTps / pgbenchTps),
        target: '>= 0.5',
      },
    };
  } finally {
    await close();
  }
}
