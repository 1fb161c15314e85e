import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { TaskRunner } from '../../engine/task-runner.js';
import { environmentSchema } from '../../scenario/schema.js';
import { silentLogger } from '../../util/logger.js';
import { withClient } from '../../util/pg-client.js';
import { KubernetesEnvironment } from './index.js';
import type { KubeInstance } from './instance.js';
import type * as Connect from './connect.js';
import { SimulatedCluster } from './testing/simulated-cluster.js';
import { restoreFromSnapshot, takeVolumeSnapshot } from './backups/volume-snapshot.js';
import { expandVolume } from './recoveries/expand-volume.js';
import type { Drill } from '../../engine/context.js';

// L3: the provider and its instance against the simulated cluster, whose pods are local processes running
// real PostgreSQL. For each fault: the exact API calls, in order, and what they did to the data.
const state = vi.hoisted((): { sim?: unknown } => ({}));
vi.mock('./connect.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Connect>()),
  connectCluster: async () => state.sim,
}));

const root = process.getuid?.() === 0;
let sim: SimulatedCluster;
let env: KubernetesEnvironment;
let primary: KubeInstance;
const teardowns = new TaskRunner(new AbortController().signal);
const NS = 'drdrill-sim-faults-1';

/** API calls since `mark`, without the background poll for the postmaster's exit status. */
function callsSince(mark: number): string[] {
  return sim.calls.slice(mark).filter((c) => !/cat \S+\/run\/exit/.test(c));
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  return withClient(primary.connection('postgres'), async (c) => (await c.query<T>(sql)).rows);
}

describe.skipIf(!root)('kubernetes faults on the simulated cluster (L3, simulated)', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-'));
    sim = await SimulatedCluster.create({ dir, logger: silentLogger, snapshotDriver: 'sim.csi.drdrill' });
    state.sim = sim;
    env = await KubernetesEnvironment.start({
      drillName: 'sim-faults',
      runId: 'sim-faults-1',
      workDir: join(dir, 'work'),
      spec: environmentSchema.parse({ kind: 'kubernetes', kubernetes: { storageClass: 'sim-expandable' } }),
      keep: false,
      logger: silentLogger,
      onTeardown: (title, fn) => teardowns.addTeardown(title, fn),
      signal: new AbortController().signal,
    });
    primary = (await env.createInstance({ name: 'primary', initdb: true, volume: { sizeMB: 64 } })) as KubeInstance;
    await primary.start();
    await query(
      'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g',
    );
  });

  afterAll(async () => {
    await teardowns.runTeardowns(() => {});
    await sim?.destroy();
  });

  test('provisioning: namespace, object store, credentials, then the StatefulSet and its pod', () => {
    const applied = sim.calls.filter((c) => c.startsWith('APPLY'));
    expect(applied).toEqual([
      `APPLY Namespace ${NS}`,
      `APPLY Secret ${NS}/drdrill-objectstore`,
      `APPLY Service ${NS}/objectstore`,
      `APPLY Deployment ${NS}/objectstore`,
      `APPLY Secret ${NS}/drdrill-credentials`,
      `APPLY Service ${NS}/primary`,
      `APPLY StatefulSet ${NS}/primary`,
    ]);
    expect(env.facts.snapshots).toEqual({ ok: true, className: 'sim-snapclass', driver: 'sim.csi.drdrill' });
    // The journal records the Secrets by their keys only.
    const secrets = env.applied.filter((a) => a.kind === 'Secret');
    expect(secrets.map((s) => s.keys)).toEqual([
      ['password', 'user'],
      ['pgpass', 'pwfile', 'wal-config.json'],
    ]);
    expect(JSON.stringify(env.journalFields())).not.toContain(env.objectStore.secretAccessKey);
    expect(env.journalFields().simulated).toBe(true);
  });

  test('accidental-delete is SQL through the port-forward: no API call', async () => {
    const mark = sim.calls.length;
    await query('DELETE FROM t WHERE id <= 100');
    expect(callsSince(mark)).toEqual([]);
    expect((await query<{ n: string }>('SELECT count(*) AS n FROM t'))[0]!.n).toBe('4900');
  });

  test('corruption: stop, page overwrite through exec, start; the checksum failure is real', async () => {
    const path = (await query<{ path: string }>(`SELECT pg_relation_filepath('t') AS path`))[0]!.path;
    await query('CHECKPOINT');
    const mark = sim.calls.length;
    await primary.stop('fast');
    await primary.writeFile(path, Buffer.alloc(16, 0x5a), { position: 8192 * 3 + 64 });
    await primary.start();
    expect(callsSince(mark).map(shorten)).toEqual([
      `EXEC ${NS}/primary-0 pg_ctl stop -D <data> -m fast -w -t 60`,
      `EXEC ${NS}/primary-0 /bin/sh -c n="$1"; shift; head -c "$n" | "$@" sh 16 /bin/sh -c dd of=<data>/${path} bs=65536 seek=24640 oflag=seek_bytes`,
      `EXEC ${NS}/primary-0 /bin/sh -c rm -f <run>/exit && touch <run>/start`,
    ]);
    await expect(query('SELECT count(*) FROM t')).rejects.toThrow(/invalid page in block 3/);
  });

  test('disk-full recovery: a PVC merge patch, the resize awaited, the filesystem grown in the pod', async () => {
    const before = await primary.filesystemMB(primary.paths.dataMount);
    const mark = sim.calls.length;
    await primary.volume!.grow(128);
    expect(callsSince(mark).map(shorten)).toEqual([
      `MERGE-PATCH PersistentVolumeClaim ${NS}/data-primary-0 {"spec":{"resources":{"requests":{"storage":"128Mi"}}}}`,
      `WATCH PersistentVolumeClaim ${NS}/data-primary-0`,
      `EXEC ${NS}/primary-0 df -Pk <mount>`,
    ]);
    expect(before).toBe(64);
    expect(await primary.filesystemMB(primary.paths.dataMount)).toBe(128);
    expect(primary.volume!.sizeMB).toBe(128);
  });

  test('expand-volume recovery: the PVC expanded, the filesystem grown, recorded as a check with the API evidence', async () => {
    const checks: { name: string; status: string; evidence: Record<string, unknown> }[] = [];
    const marks: string[] = [];
    const ctx = {
      scenario: { fault: { type: 'disk-full', target: 'data', growToMB: 160 } },
      env,
      primary,
      rto: { mark: (name: string) => marks.push(name) },
      recorder: {
        check: (c: (typeof checks)[number]) => checks.push(c),
        event: () => {},
        measure: () => {},
      },
    };
    const mark = sim.calls.length;
    // Only the parts of a drill the recovery reads; the rest of the engine is not under test here.
    await expandVolume.recover(ctx as unknown as Drill, { procedure: 'expand-volume' });
    expect(checks).toEqual([
      {
        name: 'PVC data-primary-0 expanded and its filesystem grown in the pod',
        status: 'passed',
        evidence: {
          command: 'PATCH PersistentVolumeClaim data-primary-0 spec.resources.requests.storage=160Mi (merge patch)',
          expected: 'capacity 160Mi, no FileSystemResizePending, df >= 144 MB',
          actual: 'capacity 128Mi -> 160Mi; df 128 MB -> 160 MB; conditions []',
        },
      },
    ]);
    expect(marks).toEqual(['expand-pvc']);
    expect(
      callsSince(mark)
        .filter((c) => !c.startsWith('EXEC'))
        .map(shorten),
    ).toEqual([
      `GET PersistentVolumeClaim ${NS}/data-primary-0`,
      `MERGE-PATCH PersistentVolumeClaim ${NS}/data-primary-0 {"spec":{"resources":{"requests":{"storage":"160Mi"}}}}`,
      `WATCH PersistentVolumeClaim ${NS}/data-primary-0`,
      `GET PersistentVolumeClaim ${NS}/data-primary-0`,
    ]);
  });

  test('volume-snapshot backup (L3, simulated): CHECKPOINT, a VolumeSnapshot of the data PVC, restored into a new PVC', async () => {
    await query('TRUNCATE t; INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 300) g');
    const mark = sim.calls.length;
    const backup = await takeVolumeSnapshot(env, primary, { runId: 'sim-faults-1' });
    expect(callsSince(mark).map(shorten)).toEqual([
      `APPLY VolumeSnapshot ${NS}/${backup.id}`,
      `WATCH VolumeSnapshot ${NS}/${backup.id}`,
    ]);
    expect(backup).toMatchObject({ method: 'volume-snapshot', bytes: 160 * 2 ** 20 });
    await query('INSERT INTO t SELECT g, md5(g::text) FROM generate_series(301, 400) g');
    const restored = await restoreFromSnapshot(env, { instanceName: 'from-snap', snapshot: backup.id });
    const rows = await withClient(restored.connection('postgres'), (c) =>
      c.query<{ n: string }>('SELECT count(*) AS n FROM t'),
    );
    expect(rows.rows[0]!.n).toBe('300');
    const sts = env.applied.find((a) => a.kind === 'StatefulSet' && a.name === 'from-snap');
    expect(sts).toBeDefined();
    await restored.stop();
  });

  test('primary-failure: the pod deleted with grace 0; its replacement keeps the PVC and starts PostgreSQL down', async () => {
    await query('TRUNCATE t; INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 700) g');
    const mark = sim.calls.length;
    const what = await primary.kill('SIGKILL');
    expect(what).toBe(
      `pod ${NS}/primary-0 deleted with grace period 0 (every process in it killed, postmaster included); its StatefulSet brings a new pod on the same PVC`,
    );
    expect(await primary.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    await primary.start();
    expect(callsSince(mark).map(shorten)).toEqual([
      `EXEC ${NS}/primary-0 /bin/sh -c tail -n 200 <log> 2>/dev/null || true`,
      `DELETE Pod ${NS}/primary-0 grace=0`,
      `WATCH Pod ${NS}/primary-0`,
      ...callsSince(mark)
        .map(shorten)
        .filter((c) => c.includes('test -e <run>/ready')),
      `EXEC ${NS}/primary-0 /bin/sh -c rm -f <run>/exit && touch <run>/start`,
    ]);
    // Crash recovery on the same volume: every committed row is there.
    expect((await query<{ n: string }>('SELECT count(*) AS n FROM t'))[0]!.n).toBe('700');
  });

  test('cluster-loss: pod, then StatefulSet, pod and PVC deleted in the foreground; the data is gone', async () => {
    const mark = sim.calls.length;
    await primary.kill('SIGKILL');
    const what = await primary.destroyData();
    expect(what).toBe(
      'StatefulSet primary, pod primary-0 and PVC data-primary-0 deleted in the foreground (data directory and pg_wal gone with the volume)',
    );
    expect(callsSince(mark).map(shorten)).toEqual([
      `EXEC ${NS}/primary-0 /bin/sh -c tail -n 200 <log> 2>/dev/null || true`,
      `DELETE Pod ${NS}/primary-0 grace=0`,
      `DELETE StatefulSet ${NS}/primary propagation=Foreground`,
      `DELETE Pod ${NS}/primary-0 grace=0`,
      `DELETE PersistentVolumeClaim ${NS}/data-primary-0 propagation=Foreground`,
      `WATCH StatefulSet ${NS}/primary`,
      `WATCH Pod ${NS}/primary-0`,
      `WATCH PersistentVolumeClaim ${NS}/data-primary-0`,
    ]);
    expect(await primary.exists('PG_VERSION')).toBe(false);
    expect(
      await sim.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: NS, name: 'data-primary-0' }),
    ).toBeUndefined();
  });

  test('teardown deletes the namespace and every process of its pods', async () => {
    const mark = sim.calls.length;
    await teardowns.runTeardowns(() => {});
    expect(sim.calls.slice(mark)).toContain(`DELETE Namespace ${NS} propagation=Foreground`);
    expect(sim.namespaces()).toEqual([]);
    expect(sim.runningProcesses()).toBe(0);
  });
});

/** Calls with the pod's paths shown as <data>, <run>, <mount>, <log>, cut after the interesting part. */
function shorten(call: string): string {
  return call
    .replace(/\/\S*\/var\/lib\/postgresql\/drdrill\/pgdata/g, '<data>')
    .replace(/\/\S*\/drdrill\/log\/postgres\.log/g, '<log>')
    .replace(/\/\S*\/drdrill\/run/g, '<run>')
    .replace(/\/\S*\/var\/lib\/postgresql\/drdrill\b/g, '<mount>')
    .replace(/ iflag=fullblock.*$/, '');
}
