import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DrillError } from '../../engine/errors.js';
import { silentLogger } from '../../util/logger.js';
import type { KubeObject } from './cluster.js';
import { KubeClientCluster } from './kube-client.js';
import { FakeApiServer, notFound } from './testing/fake-api-server.js';

// L2: the real @kubernetes/client-node against a loopback API server; these tests assert the wire.
let api: FakeApiServer;
let cluster: KubeClientCluster;

beforeEach(async () => {
  api = await new FakeApiServer().start();
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  cluster = new KubeClientCluster(kc, 'fake', silentLogger);
});
afterEach(async () => {
  await cluster.close();
  await api.stop();
});

const sts = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'primary', namespace: 'ns1' },
  spec: { replicas: 1, serviceName: 'primary', selector: { matchLabels: { a: 'b' } }, template: {} },
};

describe('server-side apply', () => {
  test('is a PATCH with application/apply-patch+yaml, fieldManager=drdrill and force=true', async () => {
    await cluster.apply(sts);
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe('/apis/apps/v1/namespaces/ns1/statefulsets/primary');
    expect(patch.contentType).toBe('application/apply-patch+yaml');
    expect(patch.query).toEqual({ fieldManager: 'drdrill', force: 'true' });
    expect(JSON.parse(patch.body!)).toMatchObject({ kind: 'StatefulSet', metadata: { name: 'primary' } });
    // Discovery of the group version comes first, once.
    expect(api.calls({ discovery: true })).toEqual([
      'GET /apis/apps/v1',
      'PATCH /apis/apps/v1/namespaces/ns1/statefulsets/primary?fieldManager=drdrill&force=true',
    ]);
  });

  test('a 409 conflict is an error naming the object, the code and the server message', async () => {
    api.on((r) =>
      r.method === 'PATCH'
        ? {
            status: 409,
            body: {
              kind: 'Status',
              status: 'Failure',
              reason: 'Conflict',
              code: 409,
              message: 'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas',
            },
          }
        : undefined,
    );
    const err = await cluster.apply(sts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrillError);
    expect((err as Error).message).toBe(
      'apply StatefulSet ns1/primary: HTTP 409 Conflict: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas',
    );
  });
});

describe('reads and deletes', () => {
  test('404 is "absent": get gives undefined and delete false', async () => {
    api.on((r) => (r.path.endsWith('/gone-0') ? notFound(r.path) : undefined));
    const ref = { apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'gone-0' };
    expect(await cluster.get(ref)).toBeUndefined();
    expect(await cluster.delete(ref, { gracePeriodSeconds: 0 })).toBe(false);
    expect(api.calls()).toEqual([
      'GET /api/v1/namespaces/ns1/pods/gone-0',
      'DELETE /api/v1/namespaces/ns1/pods/gone-0?gracePeriodSeconds=0',
    ]);
  });

  test('delete passes the propagation policy', async () => {
    api.on((r) => (r.method === 'DELETE' ? { status: 200, body: { kind: 'Status', status: 'Success' } } : undefined));
    expect(
      await cluster.delete(
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns1', name: 'data-primary-0' },
        { propagationPolicy: 'Foreground' },
      ),
    ).toBe(true);
    expect(api.calls()).toEqual([
      'DELETE /api/v1/namespaces/ns1/persistentvolumeclaims/data-primary-0?propagationPolicy=Foreground',
    ]);
  });

  test('list sends the label selector and gives items their kind', async () => {
    api.on((r) =>
      r.method === 'GET' && r.path === '/api/v1/namespaces'
        ? {
            status: 200,
            body: {
              kind: 'NamespaceList',
              apiVersion: 'v1',
              metadata: {},
              items: [{ metadata: { name: 'drdrill-a' } }],
            },
          }
        : undefined,
    );
    const items = await cluster.list('v1', 'Namespace', { labelSelector: 'org.drdrill.run' });
    expect(items).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'drdrill-a' } }]);
    expect(api.calls()).toEqual(['GET /api/v1/namespaces?labelSelector=org.drdrill.run']);
  });
});

describe('PVC expansion', () => {
  test('is a JSON merge patch of spec.resources.requests.storage', async () => {
    await cluster.mergePatch(
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns1', name: 'data-primary-0' },
      { spec: { resources: { requests: { storage: '384Mi' } } } },
    );
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe('/api/v1/namespaces/ns1/persistentvolumeclaims/data-primary-0');
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.query).toEqual({ fieldManager: 'drdrill' });
    expect(JSON.parse(patch.body!)).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-primary-0', namespace: 'ns1' },
      spec: { resources: { requests: { storage: '384Mi' } } },
    });
  });
});

describe('watch', () => {
  const pvc = (rv: string, capacity: string, pending: boolean) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-primary-0', namespace: 'ns1', resourceVersion: rv },
    status: {
      capacity: { storage: capacity },
      conditions: pending ? [{ type: 'FileSystemResizePending', status: 'True' }] : [],
    },
  });
  const resized = (o: ReturnType<typeof pvc> | undefined) =>
    o?.status.capacity.storage === '384Mi' && o.status.conditions.length === 0;

  test('reads, then watches from that resourceVersion until the condition holds', async () => {
    api.on((r) =>
      r.path === '/api/v1/namespaces/ns1/persistentvolumeclaims/data-primary-0'
        ? { status: 200, body: pvc('10', '96Mi', false) }
        : r.path === '/api/v1/namespaces/ns1/persistentvolumeclaims' && r.query.watch === 'true'
          ? {
              status: 200,
              events: [
                { type: 'BOOKMARK', object: { kind: 'PersistentVolumeClaim', metadata: { resourceVersion: '11' } } },
                { type: 'MODIFIED', object: pvc('12', '384Mi', true) },
                { type: 'MODIFIED', object: pvc('13', '384Mi', false) },
              ],
            }
          : undefined,
    );
    const seen: string[] = [];
    const got = await cluster.watchUntil<ReturnType<typeof pvc>>(
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'ns1', name: 'data-primary-0' },
      (o) => {
        seen.push(o?.metadata.resourceVersion ?? 'deleted');
        return resized(o);
      },
      { timeoutMs: 5000, what: 'expansion' },
    );
    expect(got?.metadata.resourceVersion).toBe('13');
    expect(seen).toEqual(['10', '12', '13']);
    expect(api.calls()).toEqual([
      'GET /api/v1/namespaces/ns1/persistentvolumeclaims/data-primary-0',
      'GET /api/v1/namespaces/ns1/persistentvolumeclaims?watch=true&fieldSelector=metadata.name=data-primary-0&resourceVersion=10&allowWatchBookmarks=true',
    ]);
  });

  test('a DELETED event reaches the predicate as undefined', async () => {
    api.on((r) =>
      r.path.endsWith('/pods/primary-0')
        ? { status: 200, body: { kind: 'Pod', metadata: { name: 'primary-0', resourceVersion: '5' } } }
        : r.query.watch === 'true'
          ? { status: 200, events: [{ type: 'DELETED', object: { kind: 'Pod', metadata: { name: 'primary-0' } } }] }
          : undefined,
    );
    const got = await cluster.watchUntil(
      { apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'primary-0' },
      (o) => o === undefined,
      { timeoutMs: 5000, what: 'pod deleted' },
    );
    expect(got).toBeUndefined();
  });

  test('a predicate that gives up on a watch event rejects the wait (the client would swallow the throw)', async () => {
    api.on((r) =>
      r.path.endsWith('/pods/primary-0') && !r.query.watch
        ? {
            status: 200,
            body: { kind: 'Pod', metadata: { name: 'primary-0', resourceVersion: '5' }, status: { phase: 'Pending' } },
          }
        : r.query.watch === 'true'
          ? {
              status: 200,
              events: [
                {
                  type: 'MODIFIED',
                  object: { kind: 'Pod', metadata: { name: 'primary-0' }, status: { phase: 'Failed' } },
                },
              ],
            }
          : undefined,
    );
    await expect(
      cluster.watchUntil<{ status?: { phase?: string } } & KubeObject>(
        { apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'primary-0' },
        (o) => {
          if (o?.status?.phase === 'Failed') throw new DrillError('error', 'the pod failed');
          return false;
        },
        { timeoutMs: 5000, what: 'pod running' },
      ),
    ).rejects.toThrow('the pod failed');
  });

  test('times out with a message naming what was awaited and the object state', async () => {
    api.on((r) =>
      r.path.endsWith('/pods/primary-0') && !r.query.watch
        ? {
            status: 200,
            body: { kind: 'Pod', metadata: { name: 'primary-0', resourceVersion: '5' }, status: { phase: 'Pending' } },
          }
        : r.query.watch === 'true'
          ? { status: 200, events: [] }
          : undefined,
    );
    await expect(
      cluster.watchUntil({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'primary-0' }, () => false, {
        timeoutMs: 300,
        what: 'primary: waiting for the pod to run',
      }),
    ).rejects.toThrow(
      'primary: waiting for the pod to run: not reached within 0.3 s (Pod ns1/primary-0 phase Pending)',
    );
  });
});

describe('exec (v4 channel protocol)', () => {
  test('demultiplexes stdout and stderr and reads the exit code from the status channel', async () => {
    api.onExec((call) =>
      call.command.includes('false')
        ? { stdout: 'partial', stderr: 'boom\n', code: 3 }
        : { stdout: 'hello\n', code: 0 },
    );
    const ok = await cluster.exec('ns1', 'primary-0', 'postgres', ['sh', '-c', 'echo hello']);
    expect(ok).toEqual({ code: 0, stdout: Buffer.from('hello\n'), stderr: '' });
    const failed = await cluster.exec('ns1', 'primary-0', 'postgres', ['false']);
    expect(failed.code).toBe(3);
    expect(failed.stdout.toString()).toBe('partial');
    expect(failed.stderr).toBe('boom\n');
    const ws = api.requests.filter((r) => r.method === 'WS');
    expect(ws[0]!.protocol).toBe('v4.channel.k8s.io');
    expect(ws[0]!.path).toBe('/api/v1/namespaces/ns1/pods/primary-0/exec');
    expect(ws[0]!.query).toEqual({
      stdout: 'true',
      stderr: 'true',
      stdin: 'false',
      tty: 'false',
      command: ['sh', '-c', 'echo hello'],
      container: 'postgres',
    });
  });

  test('a failure without an exit code (missing executable) maps to 127', async () => {
    api.onExec(() => ({ code: 'exec: "pg_amcheck": executable file not found in $PATH' }));
    expect((await cluster.exec('ns1', 'primary-0', 'postgres', ['pg_amcheck'])).code).toBe(127);
  });

  test('stdin bytes arrive on channel 0, in order, without closing the socket first', async () => {
    const payload = Buffer.alloc(300_000, 7);
    payload.write('page', 0);
    let received: Buffer | undefined;
    api.onExec(async (call) => {
      received = await call.stdin(Number(call.command[4]));
      return { stdout: `${received.length}`, code: 0 };
    });
    const r = await cluster.exec(
      'ns1',
      'primary-0',
      'postgres',
      ['/bin/sh', '-c', 'n="$1"; shift; head -c "$n" | "$@"', 'sh', String(payload.length), 'wc', '-c'],
      { stdin: { stream: Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]), length: payload.length } },
    );
    expect(r.code).toBe(0);
    expect(received!.equals(payload)).toBe(true);
    expect(api.requests.find((q) => q.method === 'WS')!.query.stdin).toBe('true');
  });

  test('a connection that closes before the status is an error, not exit 0', async () => {
    api.onExec(() => ({ stdout: 'half', closeWithoutStatus: true }));
    await expect(cluster.exec('ns1', 'primary-0', 'postgres', ['cat', 'x'])).rejects.toThrow(
      "exec in pod ns1/primary-0: cat x: the connection closed before the command's exit status arrived",
    );
  });

  test('a command that never ends is cut at its timeout', async () => {
    api.onExec(() => new Promise(() => {}));
    const pending = cluster.exec('ns1', 'primary-0', 'postgres', ['sleep', '100'], { timeoutMs: 300 });
    await expect(pending).rejects.toThrow('exec in pod ns1/primary-0: sleep 100: did not finish within 0.3 s');
  });
});

describe('port-forward', () => {
  test('frames TCP bytes on channel 0 after the port prefix, both ways', async () => {
    const got: string[] = [];
    api.onPortForward((data, reply) => {
      got.push(data.toString());
      reply(Buffer.from(`pong:${data.toString()}`));
    });
    const forward = await cluster.portForward('ns1', 'primary-0', 5432);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(forward.port, forward.host, () => socket.write('ping'));
      socket.on('data', (d) => {
        resolve(d.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(answer).toBe('pong:ping');
    expect(got).toEqual(['ping']);
    const ws = api.requests.find((r) => r.method === 'WS')!;
    expect(ws.path).toBe('/api/v1/namespaces/ns1/pods/primary-0/portforward');
    expect(ws.query).toEqual({ ports: '5432' });
    await forward.close();
  });
});

test('notFound mirrors the API server status body', () => {
  expect(notFound('/api/v1/namespaces/x/pods/y').body).toMatchObject({ reason: 'NotFound', code: 404 });
});
