import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../../engine/exit-codes.js';
import { freePort } from '../../util/ports.js';
import { runCli, tempDir } from '../../testing/run-cli.js';
import { FakeApiServer } from './testing/fake-api-server.js';

function kubeconfig(server: string, context: string): string {
  const file = join(tempDir('drdrill-kube-'), 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: context, cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: context, user: { token: 't' } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      'current-context': context,
    }),
  );
  return file;
}

const sockets: Socket[] = [];
let blackHole: Server | undefined;
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (blackHole ? blackHole.close(() => resolve()) : resolve()));
});

/**
 * How long the CLI takes to get as far as validating a scenario when nothing is wrong with it, here and now: on
 * a busy machine Node's start-up alone can take seconds, which is not drdrill waiting for a cluster.
 */
async function cliStartMs(): Promise<number> {
  const started = performance.now();
  await runCli(['validate', 'scenarios/accidental-delete.yaml']);
  return performance.now() - started;
}

describe('drdrill run --env kubernetes against a cluster that does not answer', () => {
  test('a refused connection: exit 3 within 5 s, naming the context', async () => {
    const port = await freePort();
    const started = performance.now();
    const r = await runCli(['run', 'scenarios/accidental-delete.yaml', '--env', 'kubernetes'], {
      env: { KUBECONFIG: kubeconfig(`http://127.0.0.1:${port}`, 'kind-gone') },
    });
    const ms = performance.now() - started;
    expect(r.code, r.stderr).toBe(EXIT_CODES['missing-prerequisite']);
    expect(ms - (await cliStartMs())).toBeLessThan(5000);
    expect(r.stderr).toContain(
      `kubernetes context "kind-gone" (http://127.0.0.1:${port}) is unreachable: GET /version failed`,
    );
    expect(r.stderr).not.toContain('    at ');
  });

  test('an API server that accepts and never answers: exit 3 within 5 s, naming the context', async () => {
    blackHole = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => blackHole!.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as { port: number }).port;
    const started = performance.now();
    const r = await runCli(['run', 'scenarios/accidental-delete.yaml', '--env', 'kubernetes'], {
      env: { KUBECONFIG: kubeconfig(`http://127.0.0.1:${port}`, 'prod-eu') },
    });
    const ms = performance.now() - started;
    expect(ms - (await cliStartMs())).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr).toContain('kubernetes context "prod-eu"');
    expect(r.stderr).toContain('no answer within 2 s');
  });

  test('no kubeconfig at all: exit 3 saying so, before loadFromDefault can fall back to localhost:8080', async () => {
    const r = await runCli(['run', 'scenarios/accidental-delete.yaml', '--env', 'kubernetes'], {
      env: { KUBECONFIG: '/nonexistent/kubeconfig', KUBERNETES_SERVICE_HOST: '' },
    });
    expect(r.code).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr).toContain('there is no kubeconfig (KUBECONFIG=/nonexistent/kubeconfig does not exist)');
  });
});

describe('drdrill gc --kubernetes (L2, fake API server)', () => {
  test('deletes namespaces whose drill is gone, keeps none of another host, lists them', async () => {
    const api = await new FakeApiServer().start();
    try {
      api.on((r) =>
        r.method === 'GET' && r.path === '/api/v1/namespaces'
          ? {
              status: 200,
              body: {
                kind: 'NamespaceList',
                apiVersion: 'v1',
                metadata: {},
                items: [
                  {
                    metadata: {
                      name: 'drdrill-smoke-abc',
                      labels: { 'org.drdrill.run': 'smoke-abc' },
                      annotations: { 'org.drdrill.owner': 'crashed-host:123', 'org.drdrill.run-id': 'smoke-abc' },
                    },
                  },
                ],
              },
            }
          : undefined,
      );
      const r = await runCli(['gc', '--kubernetes', '--json'], { env: { KUBECONFIG: kubeconfig(api.url, 'fake') } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([
        {
          kind: 'namespace',
          name: 'drdrill-smoke-abc',
          runId: 'smoke-abc',
          owner: 'crashed-host:123',
          status: 'removed',
        },
      ]);
      expect(api.calls()).toEqual([
        'GET /version',
        'GET /api/v1/namespaces?labelSelector=org.drdrill.run',
        'DELETE /api/v1/namespaces/drdrill-smoke-abc?propagationPolicy=Foreground',
      ]);
    } finally {
      await api.stop();
    }
  });
});
