import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../util/logger.js';
import { KubeInstance } from './instance.js';
import { KubeClientCluster } from './kube-client.js';
import { FakeApiServer, notFound, type SeenRequest } from './testing/fake-api-server.js';

// L2: a PostgreSQL instance of the kubernetes environment driven through the real client against a loopback
// API server that keeps a little state (applied objects, the pod's generation, the PVC's size). For each
// fault: the exact requests on the wire, in order.
const NS = 'drdrill-wire-1';
const POD = `/api/v1/namespaces/${NS}/pods/primary-0`;
const STS = `/apis/apps/v1/namespaces/${NS}/statefulsets/primary`;
const PVC = `/api/v1/namespaces/${NS}/persistentvolumeclaims/data-primary-0`;

let api: FakeApiServer;
let cluster: KubeClientCluster;
let instance: KubeInstance;
const work = mkdtempSync(join(tmpdir(), 'drdrill-wire-'));
const deleted = new Set<string>();
let podGeneration = 1;
let claimMi = 96;
const forwarded: string[] = [];

function handle(r: SeenRequest) {
  if (r.method === 'GET' && deleted.has(r.path)) return notFound(r.path);
  if (r.method === 'GET' && r.path === POD)
    return {
      status: 200,
      body: {
        kind: 'Pod',
        metadata: { name: 'primary-0', uid: `uid-${podGeneration}`, resourceVersion: `${podGeneration}` },
        status: { phase: 'Running' },
      },
    };
  if (r.method === 'GET' && r.path === PVC)
    return {
      status: 200,
      body: {
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data-primary-0', resourceVersion: '7' },
        status: { phase: 'Bound', capacity: { storage: `${claimMi}Mi` }, conditions: [] },
      },
    };
  if (r.method === 'PATCH' && r.path === PVC) {
    claimMi = Number(/"storage":"(\d+)Mi"/.exec(r.body ?? '')?.[1]);
    return { status: 200, body: JSON.parse(r.body!) as unknown };
  }
  if (r.method === 'DELETE') {
    if (r.path === POD && !deleted.has(STS)) podGeneration++;
    else deleted.add(r.path);
    if (r.path === STS) deleted.add(POD);
    return { status: 200, body: { kind: 'Status', status: 'Success' } };
  }
  return undefined;
}

/** Requests since `mark`, without discovery and the poll for the postmaster's exit status. */
function wire(mark: number): string[] {
  return api
    .calls({ since: mark })
    .filter((c) => !/\[\/bin\/sh -c cat \S+\/run\/exit/.test(c))
    .map((c) =>
      c
        .replace(/\/var\/lib\/postgresql\/drdrill\/pgdata/g, '<data>')
        .replace(/\/drdrill\/run/g, '<run>')
        .replace(/ iflag=fullblock.*$/, ']'),
    );
}

beforeAll(async () => {
  api = await new FakeApiServer().start();
  api.on(handle);
  api.onExec(async (call) => {
    const [, , script, , n] = call.command;
    if (script === 'n="$1"; shift; head -c "$n" | "$@"') await call.stdin(Number(n));
    if (call.command[0] === 'df')
      return {
        stdout: `Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdb ${claimMi * 1024} 10 1 1% /x\n`,
      };
    return { code: 0 };
  });
  api.onPortForward((data) => forwarded.push(data.toString()));
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  cluster = new KubeClientCluster(kc, 'fake', silentLogger);
  instance = new KubeInstance('primary', {
    cluster,
    stamp: { namespace: NS, labels: { 'org.drdrill.run': 'wire-1' } },
    image: 'drdrill/drdrill:test',
    password: 'pw-not-on-the-wire',
    walTool: Buffer.from('// wal tool\n'),
    workDir: work,
    logger: silentLogger,
    onApplied: () => {},
  });
  await instance.create({ name: 'primary', initdb: false, volume: { sizeMB: 96 } });
  await instance.start({ waitReady: false });
});

afterAll(async () => {
  await instance.close();
  await cluster.close();
  await api.stop();
  rmSync(work, { recursive: true, force: true });
});

test('an image the cluster cannot pull fails the instance at once, saying how to provide it', async () => {
  const stuck = await new FakeApiServer().start();
  try {
    stuck.on((r) =>
      r.method === 'GET' && r.path.endsWith('/pods/primary-0')
        ? {
            status: 200,
            body: {
              kind: 'Pod',
              metadata: { name: 'primary-0', uid: 'u1', resourceVersion: '3' },
              status: {
                phase: 'Pending',
                containerStatuses: [
                  {
                    name: 'postgres',
                    state: {
                      waiting: {
                        reason: 'ImagePullBackOff',
                        message: 'Back-off pulling image "drdrill/drdrill:0.1.0"',
                      },
                    },
                  },
                ],
              },
            },
          }
        : undefined,
    );
    const kc = new KubeConfig();
    kc.loadFromString(stuck.kubeconfig());
    const c = new KubeClientCluster(kc, 'fake', silentLogger);
    const i = new KubeInstance('primary', {
      cluster: c,
      stamp: { namespace: 'ns1', labels: {} },
      image: 'drdrill/drdrill:0.1.0',
      password: 'x',
      walTool: Buffer.from(''),
      workDir: work,
      logger: silentLogger,
      onApplied: () => {},
    });
    const started = performance.now();
    await expect(i.create({ name: 'primary', initdb: true })).rejects.toThrow(
      'primary (pod ns1/primary-0): ImagePullBackOff (Back-off pulling image "drdrill/drdrill:0.1.0"); the cluster cannot pull drdrill/drdrill:0.1.0',
    );
    expect(performance.now() - started).toBeLessThan(2000);
  } finally {
    await stuck.stop();
  }
});

describe('kubernetes instance on the wire (L2)', () => {
  test('create: Service and StatefulSet by server-side apply, the pod awaited, the WAL tool copied by exec', () => {
    const calls = wire(0);
    expect(calls.slice(0, 5)).toEqual([
      `PATCH /api/v1/namespaces/${NS}/services/primary?fieldManager=drdrill&force=true`,
      `PATCH ${STS}?fieldManager=drdrill&force=true`,
      `GET ${POD}`,
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=false&tty=false&container=postgres [test -e <run>/ready]`,
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=true&tty=false&container=postgres [/bin/sh -c n="$1"; shift; head -c "$n" | "$@" sh 12 /bin/sh -c cat > /drdrill/bin/wal-tool.cjs]`,
    ]);
    expect(JSON.stringify(api.requests)).not.toContain('pw-not-on-the-wire');
  });

  test('accidental-delete: the SQL goes through a port-forward WebSocket to port 5432', async () => {
    const mark = api.requests.length;
    const conn = instance.connection();
    await new Promise<void>((resolve, reject) => {
      const s = connect(conn.port, conn.host, () => s.write('startup'));
      s.on('error', reject);
      const timer = setInterval(() => {
        if (forwarded.length) {
          clearInterval(timer);
          s.destroy();
          resolve();
        }
      }, 10);
    });
    expect(wire(mark)).toEqual([`WS ${POD}/portforward?ports=5432`]);
    expect(forwarded).toEqual(['startup']);
  });

  test('corruption: 16 bytes written at a page offset through exec stdin', async () => {
    const mark = api.requests.length;
    await instance.writeFile('base/5/16384', Buffer.alloc(16, 0x5a), { position: 3 * 8192 + 64 });
    expect(wire(mark)).toEqual([
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=true&tty=false&container=postgres [/bin/sh -c n="$1"; shift; head -c "$n" | "$@" sh 16 /bin/sh -c dd of=<data>/base/5/16384 bs=65536 seek=24640 oflag=seek_bytes]`,
    ]);
  });

  test('disk-full recovery: PVC merge patch, the claim read until resized, df in the pod', async () => {
    const mark = api.requests.length;
    await instance.volume!.grow(192);
    expect(wire(mark)).toEqual([
      `PATCH ${PVC}?fieldManager=drdrill`,
      `GET ${PVC}`,
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=false&tty=false&container=postgres [df -Pk /var/lib/postgresql/drdrill]`,
    ]);
    const patch = api.requests.find((r) => r.method === 'PATCH' && r.path === PVC)!;
    expect(patch.contentType).toBe('application/merge-patch+json');
  });

  test('primary-failure: the log saved, then the pod deleted with gracePeriodSeconds=0; the next call waits for the new pod', async () => {
    const mark = api.requests.length;
    await instance.kill('SIGKILL');
    expect(wire(mark)).toEqual([
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=false&tty=false&container=postgres [/bin/sh -c tail -n 200 /drdrill/log/postgres.log 2>/dev/null || true]`,
      `DELETE ${POD}?gracePeriodSeconds=0`,
    ]);
    const next = api.requests.length;
    await instance.start({ waitReady: false });
    expect(wire(next)).toEqual([
      `GET ${POD}`,
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=false&tty=false&container=postgres [test -e <run>/ready]`,
      `WS ${POD}/exec?stdout=true&stderr=true&stdin=false&tty=false&container=postgres [/bin/sh -c rm -f <run>/exit && touch <run>/start]`,
    ]);
  });

  test('cluster-loss: StatefulSet, pod and PVC deleted in the foreground, each read until 404', async () => {
    const mark = api.requests.length;
    await instance.destroyData();
    expect(wire(mark)).toEqual([
      `DELETE ${STS}?propagationPolicy=Foreground`,
      `DELETE ${POD}?gracePeriodSeconds=0`,
      `DELETE ${PVC}?propagationPolicy=Foreground`,
      `GET ${STS}`,
      `GET ${POD}`,
      `GET ${PVC}`,
    ]);
    expect(await instance.exists('PG_VERSION')).toBe(false);
  });
});
