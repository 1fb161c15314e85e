import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One request as the fake API server saw it: what the L2 tests assert. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  contentType?: string;
  body?: string;
  /** The WebSocket subprotocol agreed, for exec and port-forward. */
  protocol?: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Newline-delimited watch events, written one by one. */
  events?: { type: string; object: unknown }[];
}

export interface ExecCall {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  /** Resolves with the next n bytes sent on the stdin channel. */
  stdin(n: number): Promise<Buffer>;
}

export interface ExecReply {
  stdout?: string | Buffer;
  stderr?: string;
  /** Exit code; a status of Success when 0. A string is sent as a Failure status without an exit code. */
  code?: number | string;
  /** Drop the connection without a status (a kubelet or network failure). */
  closeWithoutStatus?: boolean;
}

type Handler = (req: SeenRequest) => Reply | undefined;

/** Resource lists for discovery, as the real API server answers them. */
const DISCOVERY: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  '/api/v1': [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true },
  ],
  '/apis/apps/v1': [
    { name: 'statefulsets', kind: 'StatefulSet', namespaced: true },
    { name: 'deployments', kind: 'Deployment', namespaced: true },
  ],
  '/apis/storage.k8s.io/v1': [{ name: 'storageclasses', kind: 'StorageClass', namespaced: false }],
  '/apis/snapshot.storage.k8s.io/v1': [
    { name: 'volumesnapshots', kind: 'VolumeSnapshot', namespaced: true },
    { name: 'volumesnapshotclasses', kind: 'VolumeSnapshotClass', namespaced: false },
  ],
};

/**
 * A loopback stand-in for the Kubernetes API server, for wire tests of the real @kubernetes/client-node:
 * it records every request and answers REST calls, watches (newline-delimited JSON), exec (channel protocol
 * with the status on channel 3) and port-forward (each channel opens with its port number).
 */
export class FakeApiServer {
  readonly requests: SeenRequest[] = [];
  url = '';
  /** Subprotocols offered for WebSockets, in order of preference. */
  protocols = ['v4.channel.k8s.io'];
  private _handlers: Handler[] = [];
  private _exec: (call: ExecCall) => Promise<ExecReply> | ExecReply = () => ({ code: 0 });
  private _forward: (data: Buffer, reply: (b: Buffer) => void) => void = () => {};
  private readonly _sockets = new Set<WebSocket>();
  private readonly _http = createServer((req, res) => void this._onRequest(req, res));
  private readonly _wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => this.protocols.find((p) => offered.has(p)) ?? false,
  });

  async start(): Promise<this> {
    this._http.on('upgrade', (req, socket, head) => {
      this._wss.handleUpgrade(req, socket, head, (ws) => this._onSocket(req, ws));
    });
    await new Promise<void>((resolve) => this._http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this._http.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this._sockets) ws.terminate();
    this._wss.close();
    this._http.closeAllConnections();
    await new Promise<void>((resolve) => this._http.close(() => resolve()));
  }

  /** Handlers are tried newest first; one returning undefined passes. */
  on(handler: Handler): this {
    this._handlers.unshift(handler);
    return this;
  }

  onExec(fn: (call: ExecCall) => Promise<ExecReply> | ExecReply): this {
    this._exec = fn;
    return this;
  }

  onPortForward(fn: (data: Buffer, reply: (b: Buffer) => void) => void): this {
    this._forward = fn;
    return this;
  }

  /** A kubeconfig whose only context points here. */
  kubeconfig(context = 'fake'): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: context, cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: context, user: { token: 'fake-token' } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      'current-context': context,
    });
  }

  /** Requests after discovery, as "VERB path?query" lines. */
  calls(opts: { since?: number; discovery?: boolean } = {}): string[] {
    return this.requests
      .slice(opts.since ?? 0)
      .filter((r) => opts.discovery || !(r.method === 'GET' && DISCOVERY[r.path]))
      .map(describe);
  }

  private async _onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen = this._seen(req, Buffer.concat(chunks).toString('utf8'));
    this.requests.push(seen);
    const reply = this._reply(seen);
    if (reply.events) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const e of reply.events) {
        res.write(JSON.stringify(e) + '\n');
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  private _reply(req: SeenRequest): Reply {
    for (const h of this._handlers) {
      const r = h(req);
      if (r) return r;
    }
    const resources = DISCOVERY[req.path];
    if (req.method === 'GET' && resources)
      return {
        status: 200,
        body: { kind: 'APIResourceList', groupVersion: req.path.replace(/^\/apis?\//, ''), resources },
      };
    if (req.method === 'GET' && req.path === '/version')
      return { status: 200, body: { major: '1', minor: '33', gitVersion: 'v1.33.1-fake', platform: 'linux/amd64' } };
    if (req.method === 'PATCH' && req.body) return { status: 200, body: JSON.parse(req.body) as unknown };
    if (req.method === 'DELETE') return { status: 200, body: { kind: 'Status', status: 'Success' } };
    return notFound(req.path);
  }

  private _seen(req: IncomingMessage, body: string): SeenRequest {
    const url = new URL(req.url ?? '/', 'http://x');
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const all = url.searchParams.getAll(key);
      query[key] = all.length > 1 ? all : all[0]!;
    }
    return {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      ...(body ? { body } : {}),
    };
  }

  private _onSocket(req: IncomingMessage, ws: WebSocket): void {
    this._sockets.add(ws);
    ws.once('close', () => this._sockets.delete(ws));
    const seen = { ...this._seen(req, ''), method: 'WS', protocol: ws.protocol };
    this.requests.push(seen);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward)$/.exec(seen.path);
    if (!m) return ws.close(1008, 'not an exec or portforward path');
    if (m[3] === 'portforward') return this._portForward(ws, Number(seen.query.ports));
    const stdinQueue: Buffer[] = [];
    let waiting: (() => void) | undefined;
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) {
        stdinQueue.push(data.subarray(1));
        waiting?.();
      }
    });
    const stdin = async (n: number): Promise<Buffer> => {
      for (;;) {
        const all = Buffer.concat(stdinQueue);
        if (all.length >= n) {
          stdinQueue.splice(0, stdinQueue.length, all.subarray(n));
          return all.subarray(0, n);
        }
        await new Promise<void>((resolve) => (waiting = resolve));
      }
    };
    const command = seen.query.command;
    const call: ExecCall = {
      namespace: m[1]!,
      pod: m[2]!,
      container: String(seen.query.container),
      command: Array.isArray(command) ? command : [String(command)],
      stdin,
    };
    void Promise.resolve(this._exec(call)).then((reply) => {
      const send = (channel: number, data: string | Buffer) =>
        ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
      if (reply.stdout?.length) send(1, reply.stdout);
      if (reply.stderr) send(2, reply.stderr);
      if (!reply.closeWithoutStatus) send(3, JSON.stringify(execStatus(reply.code ?? 0)));
      ws.close(1000);
    });
  }

  private _portForward(ws: WebSocket, port: number): void {
    const prefix = Buffer.from([port & 0xff, port >> 8]);
    // Each channel's first frame carries the port number (little-endian), data and error alike.
    ws.send(Buffer.concat([Buffer.from([0]), prefix]));
    ws.send(Buffer.concat([Buffer.from([1]), prefix]));
    ws.on('message', (data: Buffer) => {
      if (data[0] !== 0) return;
      this._forward(data.subarray(1), (b) => ws.send(Buffer.concat([Buffer.from([0]), b])));
    });
  }
}

export function execStatus(code: number | string): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  if (typeof code === 'string') return { metadata: {}, status: 'Failure', message: code, reason: 'InternalError' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [sh], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function notFound(path: string): Reply {
  const name = path.split('/').at(-1);
  return {
    status: 404,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: `"${name}" not found`,
      reason: 'NotFound',
      code: 404,
    },
  };
}

function describe(r: SeenRequest): string {
  const q = Object.entries(r.query)
    .filter(([k]) => k !== 'command')
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
    .join('&');
  const command = r.query.command ? ` [${[r.query.command].flat().join(' ')}]` : '';
  return `${r.method} ${r.path}${q ? `?${q}` : ''}${command}`;
}
