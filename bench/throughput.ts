import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { backupDefinition } from '../harness/backups/index.js';
import type { Drill } from '../harness/engine/context.js';
import { errorMessage } from '../harness/engine/errors.js';
import type { ObjectStore } from '../harness/objectstore/client.js';
import { listBaseBackups } from '../harness/restore/catalog.js';
import { FETCH_PARALLEL, fetchBackupInto } from '../harness/restore/fetch-backup.js';
import { now } from '../harness/util/clock.js';
import { withClient } from '../harness/util/pg-client.js';
import { checked, drdrillPitr, pgbackrestPitr, type RecoveryRun } from './contenders.js';
import { median, round } from './drill.js';
import { faultedDrill, type FaultedDrill } from './faulted-drill.js';
import { accidentalDeleteScenario, progress, setupFacts } from './overhead.js';
import { scaleForGB, sizesFromEnv } from './sizes.js';
import type { Outcome, ThroughputResult } from './results.js';

const ROUNDS = Number(process.env.DRDRILL_BENCH_ROUNDS ?? 3);
/** The raw GET's concurrency: what `aws s3 cp` uses by default (max_concurrent_requests). */
const RAW_PARALLEL = 10;
const RAW_PART_BYTES = 8 * 1024 * 1024;

/**
 * P3, restore throughput, on one TLS object store holding both a drdrill base backup and a pgBackRest backup
 * of the same database: (1) drdrill's fetch of the base backup (download, sha256, tar into the data
 * directory) against a raw parallel ranged GET of the same object into a file; (2) drdrill's whole PITR
 * against `pgbackrest restore` to the same target, each promoted and answering the same count.
 */
export async function throughputBench(): Promise<Outcome<ThroughputResult>> {
  const [gb] = sizesFromEnv('DRDRILL_BENCH_GB', [1]);
  const yaml = accidentalDeleteScenario(
    'bench-throughput',
    scaleForGB(gb!),
    ', objectStore: { kind: embedded, tls: true }',
  ).replace(
    'backup: [ { method: basebackup, archiveWal: true } ]',
    'backup: [ { method: basebackup }, { method: pgbackrest } ]',
  );
  let f: FaultedDrill;
  try {
    f = await faultedDrill(yaml, archiveToBoth);
  } catch (err) {
    return { skipped: `could not set up pgBackRest next to drdrill: ${(err as Error).message}` };
  }
  try {
    const expected = Number(f.drill.fault?.rowsAffected);
    const tar = (await listBaseBackups(f.drill.store)).at(-1)!.objects[0]!;
    const rel = f.drill.store.rel(tar.key);
    const fetchRuns: number[] = [];
    const singleRuns: number[] = [];
    const rawRuns: number[] = [];
    const drdrill: RecoveryRun[] = [];
    const pgbackrest: RecoveryRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const steps = [
        async () => fetchRuns.push(await timedFetch(f, rel, `fetch-${round}`)),
        async () => singleRuns.push(await timedFetch(f, rel, `single-${round}`, 1)),
        async () => rawRuns.push(await rawParallelGet(f.drill.store, rel, join(f.drill.workDir, 'raw-get'))),
        async () => drdrill.push(checked(await drdrillPitr(f, `drdrill-${round}`, 4), expected)),
        async () => pgbackrest.push(checked(await pgbackrestPitr(f, `pgbackrest-${round}`), expected)),
      ];
      for (const step of round % 2 ? steps.reverse() : steps) await step();
      progress(
        `P3 round ${round + 1}: fetch ${fetchRuns.at(-1)} s (one GET ${singleRuns.at(-1)} s), raw GET ${rawRuns.at(-1)} s, drdrill PITR ${drdrill.at(-1)!.seconds} s, pgBackRest ${pgbackrest.at(-1)!.seconds} s`,
      );
    }
    const mb = tar.bytes / 1e6;
    const fetchMBps = round(mb / median(fetchRuns));
    const rawMBps = round(mb / median(rawRuns));
    const d = median(drdrill.map((r) => r.seconds));
    const p = median(pgbackrest.map((r) => r.seconds));
    return {
      ...setupFacts(f, gb!),
      backupBytes: tar.bytes,
      fetch: {
        drdrill: {
          runs: fetchRuns,
          MBps: fetchMBps,
          what: `ranged GETs, ${FETCH_PARALLEL} in flight, + sha256 + tar into the data directory`,
        },
        drdrillSingleGet: { runs: singleRuns, MBps: round(mb / median(singleRuns)), what: 'one GET + sha256 + tar' },
        rawParallelGet: { runs: rawRuns, MBps: rawMBps, what: `${RAW_PARALLEL} ranged GETs in flight into a file` },
        ratio: round(fetchMBps / rawMBps),
        target: '>= 0.8',
      },
      restore: {
        drdrill: { runs: drdrill.map((r) => r.seconds), median: d, steps: drdrill.map((r) => r.steps) },
        pgbackrest: {
          runs: pgbackrest.map((r) => r.seconds),
          median: p,
          steps: pgbackrest.map((r) => r.steps),
          settings:
            'as drdrill runs it: process-max 1, compress-type gz (pgBackRest defaults), archive-get per segment',
        },
        ratio: round(d / p),
        target: 'drdrill <= pgBackRest (ratio <= 1.0)',
      },
    };
  } finally {
    await f.close();
  }
}

/** Every WAL segment goes to both archives: drdrill's (wal/) and pgBackRest's repository. */
async function archiveToBoth(drill: Drill): Promise<void> {
  const push = drill.primary.walCommand('push', '%p %f');
  const pgbackrest = await backupDefinition('pgbackrest').instanceSettings?.(
    { method: 'pgbackrest', type: 'full' },
    drill.env,
    drill.primary,
  );
  if (!pgbackrest?.archive_command) throw new Error('pgbackrest gave no archive_command');
  await drill.primary.configure({ archive_command: `${push} && ${pgbackrest.archive_command}` });
  await withClient(drill.primary.connection('postgres'), (c) => c.query('SELECT pg_reload_conf()'));
}

async function timedFetch(f: FaultedDrill, rel: string, name: string, parallel?: number): Promise<number> {
  const instance = await f.drill.env.createInstance({ name, initdb: false });
  const t0 = now();
  const fetched = await fetchBackupInto(f.drill.store, rel, instance, parallel ? { parallel } : {});
  const seconds = round((now() - t0) / 1000);
  if (fetched.extractError) throw new Error(`bench: extraction failed: ${errorMessage(fetched.extractError)}`);
  await instance.destroyData();
  return seconds;
}

/** The raw tool's way: ranged GETs in parallel, each written at its offset in one file. */
async function rawParallelGet(store: ObjectStore, rel: string, file: string): Promise<number> {
  const t0 = now();
  const size = (await store.head(rel))!.bytes;
  const fd = openSync(file, 'w');
  try {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i * RAW_PART_BYTES < size; i = next++) {
        const Range = `bytes=${i * RAW_PART_BYTES}-${Math.min(size, (i + 1) * RAW_PART_BYTES) - 1}`;
        const out = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: store.key(rel), Range }));
        const buf = Buffer.from(await out.Body!.transformToByteArray());
        writeSync(fd, buf, 0, buf.length, i * RAW_PART_BYTES);
      }
    };
    await Promise.all(Array.from({ length: RAW_PARALLEL }, worker));
  } finally {
    closeSync(fd);
  }
  const seconds = round((now() - t0) / 1000);
  rmSync(file, { force: true });
  return seconds;
}
