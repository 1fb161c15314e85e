import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import {
  ApiException,
  Exec,
  KubernetesObjectApi,
  PatchStrategy,
  PortForward,
  VersionApi,
  Watch,
  type Configuration,
  type KubeConfig,
  type KubernetesObject,
  type V1Status,
} from '@kubernetes/client-node';
import { DrillError, errorMessage } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import {
  describeRef,
  refOf,
  type Cluster,
  type DeleteOptions,
  type ExecOptions,
  type ExecResult,
  type KubeObject,
  type LocalForward,
  type ObjectRef,
  type PodLayout,
} from './cluster.js';
import { FIELD_MANAGER } from './names.js';
import { POSTGRES_PORT } from './manifests/drill.js';

type ExecSocket = Awaited<ReturnType<Exec['exec']>>;

/** Bytes queued on an exec socket before stdin waits for them to drain. */
const STDIN_HIGH_WATER = 4 * 1024 * 1024;

/** The generic object API, with the collection path of a kind exposed for watches. */
class ObjectApi extends KubernetesObjectApi {
  constructor(configuration: Configuration) {
    super(configuration);
  }

  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    return this.specUriPath({ apiVersion, kind, metadata: namespace ? { namespace } : {} }, 'list');
  }
}

/** A real cluster through @kubernetes/client-node: server-side apply, watches, exec and port-forward. */
export class KubeClientCluster implements Cluster {
  readonly simulated = false;
  private readonly _objects: ObjectApi;
  private readonly _forwards = new Set<LocalForward>();

  constructor(
    private readonly _kc: KubeConfig,
    readonly context: string,
    private readonly _logger: Logger,
  ) {
    this._objects = _kc.makeApiClient(ObjectApi);
  }

  get server(): string {
    return this._kc.getCurrentCluster()?.server ?? '';
  }

  async serverVersion(): Promise<string> {
    const v = await this._kc.makeApiClient(VersionApi).getCode();
    return v.gitVersion;
  }

  async apply<T extends KubeObject>(obj: T): Promise<T> {
    this._logger.debug(`apply ${describeRef(refOf(obj))}`);
    return this._call(`apply ${describeRef(refOf(obj))}`, () =>
      this._objects.patch(k8s(obj), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    ) as Promise<T>;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return (await this._objects.read(header(ref))) as unknown as T;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw apiError(`get ${describeRef(ref)}`, err);
    }
  }

  async list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: { namespace?: string; labelSelector?: string } = {},
  ): Promise<T[]> {
    const what = `list ${kind}${opts.namespace ? ` in ${opts.namespace}` : ''}`;
    const result = await this._call(what, () =>
      this._objects.list(
        apiVersion,
        kind,
        opts.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        opts.labelSelector,
      ),
    );
    // The list's items carry no apiVersion/kind of their own.
    return result.items.map((i) => ({ ...i, apiVersion, kind }) as unknown as T);
  }

  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    this._logger.debug(`delete ${describeRef(ref)} ${JSON.stringify(opts)}`);
    try {
      await this._objects.delete(
        k8s(header(ref)),
        undefined,
        undefined,
        opts.gracePeriodSeconds,
        undefined,
        opts.propagationPolicy,
      );
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return false;
      throw apiError(`delete ${describeRef(ref)}`, err);
    }
  }

  async mergePatch<T extends KubeObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T> {
    this._logger.debug(`merge-patch ${describeRef(ref)} ${JSON.stringify(patch)}`);
    return this._call(`patch ${describeRef(ref)}`, () =>
      this._objects.patch(
        k8s({ ...header(ref), ...patch }),
        undefined,
        undefined,
        FIELD_MANAGER,
        undefined,
        PatchStrategy.MergePatch,
      ),
    ) as Promise<T>;
  }

  async watchUntil<T extends KubeObject>(
    ref: ObjectRef,
    done: (obj: T | undefined) => boolean,
    opts: { timeoutMs: number; what: string; signal?: AbortSignal },
  ): Promise<T | undefined> {
    const path = await this._call(`resolve ${ref.kind}`, () =>
      this._objects.collectionPath(ref.apiVersion, ref.kind, ref.namespace),
    );
    const deadline = Date.now() + opts.timeoutMs;
    let last: T | undefined;
    // Each round: read the object, then watch it from that resourceVersion until done, a timeout or the end of the stream.
    for (;;) {
      last = await this.get<T>(ref);
      if (done(last)) return last;
      const left = deadline - Date.now();
      if (left <= 0) break;
      const outcome = await this._watchOnce(path, ref, last?.metadata.resourceVersion, done, left, opts.signal);
      if (outcome.done) return outcome.obj;
      if (opts.signal?.aborted) throw opts.signal.reason;
    }
    throw new DrillError(
      'error',
      `${opts.what}: not reached within ${opts.timeoutMs / 1000} s (${describeRef(ref)} ${last ? summarise(last) : 'does not exist'})`,
    );
  }

  private _watchOnce<T extends KubeObject>(
    path: string,
    ref: ObjectRef,
    resourceVersion: string | undefined,
    done: (obj: T | undefined) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ done: boolean; obj?: T }> {
    return new Promise((resolve, reject) => {
      let controller: AbortController | undefined;
      let settled = false;
      let latest: T | undefined;
      const finish = (value: { done: boolean; obj?: T }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve(value);
      };
      const timer = setTimeout(() => finish({ done: false, ...(latest ? { obj: latest } : {}) }), timeoutMs);
      const onAbort = () => finish({ done: false });
      signal?.addEventListener('abort', onAbort, { once: true });
      new Watch(this._kc)
        .watch(
          path,
          {
            fieldSelector: `metadata.name=${ref.name}`,
            ...(resourceVersion ? { resourceVersion } : {}),
            allowWatchBookmarks: true,
          },
          (type: string, obj: T) => {
            if (type === 'BOOKMARK') return;
            // 410 Gone (resourceVersion too old): start over from a fresh read.
            if (type === 'ERROR') return finish({ done: false });
            latest = type === 'DELETED' ? undefined : obj;
            // The client ignores what a watch callback throws: a predicate that gives up must reject here.
            try {
              if (done(latest)) finish({ done: true, ...(latest ? { obj: latest } : {}) });
            } catch (err) {
              settled = true;
              clearTimeout(timer);
              controller?.abort();
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          },
          (err: unknown) => {
            if (settled) return;
            if (err && !(err instanceof Error && err.name === 'AbortError')) {
              settled = true;
              clearTimeout(timer);
              reject(apiError(`watch ${describeRef(ref)}`, err));
            } else finish({ done: false, ...(latest ? { obj: latest } : {}) });
          },
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
          },
          (err: unknown) => {
            if (!settled) {
              settled = true;
              clearTimeout(timer);
              reject(apiError(`watch ${describeRef(ref)}`, err));
            }
          },
        );
    });
  }

  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    opts: ExecOptions = {},
  ): Promise<ExecResult> {
    const what = `exec in pod ${namespace}/${pod}: ${command.join(' ').slice(0, 200)}`;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = opts.stdout ?? collector(out);
    const stderr = collector(err);
    const stdin = opts.stdin ? new PassThrough() : null;
    let status: V1Status | undefined;
    let ws: ExecSocket;
    try {
      ws = await new Exec(this._kc).exec(namespace, pod, container, command, stdout, stderr, stdin, false, (s) => {
        status = s;
      });
    } catch (e) {
      throw apiError(what, e);
    }
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const pump = stdin && opts.stdin ? pumpStdin(opts.stdin.stream, stdin, ws) : Promise.resolve();
    pump.catch(() => ws.close());
    let timer: NodeJS.Timeout | undefined;
    const timeout = opts.timeoutMs
      ? new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.timeoutMs)))
      : new Promise<never>(() => {});
    const ended = await Promise.race([closed.then(() => 'closed' as const), timeout]);
    clearTimeout(timer);
    if (ended === 'timeout') {
      ws.close();
      throw new DrillError('error', `${what}: did not finish within ${opts.timeoutMs! / 1000} s`);
    }
    if (!status) {
      await pump.catch((e: unknown) => {
        throw new DrillError('error', `${what}: sending stdin failed: ${errorMessage(e)}`);
      });
      throw new DrillError('error', `${what}: the connection closed before the command's exit status arrived`);
    }
    return { code: exitCodeOf(status), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
  }

  async portForward(namespace: string, pod: string, port: number): Promise<LocalForward> {
    const pf = new PortForward(this._kc, true);
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      const errors = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          this._logger.debug(`port-forward ${namespace}/${pod}:${port}: ${chunk.toString().trim()}`);
          cb();
        },
      });
      pf.portForward(namespace, pod, [port], socket, errors, socket).then(
        (conn) => {
          const ws = conn as ExecSocket;
          ws.once('close', () => socket.destroy());
          socket.once('close', () => ws.close());
        },
        (e: unknown) => {
          this._logger.debug(`port-forward ${namespace}/${pod}:${port} failed: ${errorMessage(e)}`);
          socket.destroy();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address() as { port: number };
    const forward: LocalForward = {
      host: '127.0.0.1',
      port: address.port,
      close: async () => {
        this._forwards.delete(forward);
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
    this._forwards.add(forward);
    return forward;
  }

  podLayout(): PodLayout {
    return { root: '', port: POSTGRES_PORT, listen: '*' };
  }

  serviceAddress(namespace: string, service: string, port: number): { host: string; port: number } {
    return { host: `${service}.${namespace}.svc`, port };
  }

  podAddress(namespace: string, service: string, pod: string): { host: string; port: number } {
    return { host: `${pod}.${service}.${namespace}.svc`, port: POSTGRES_PORT };
  }

  async close(): Promise<void> {
    await Promise.all([...this._forwards].map((f) => f.close()));
  }

  private async _call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw apiError(what, err);
    }
  }
}

function k8s(obj: KubeObject): KubernetesObject {
  return obj as unknown as KubernetesObject;
}

function header(ref: ObjectRef): KubeObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

/** The API server's own message ("persistentvolumeclaims \"x\" is forbidden: ..."), with the HTTP code. */
export function apiError(what: string, err: unknown): DrillError {
  if (err instanceof DrillError) return err;
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    const message = body?.message ?? (typeof err.body === 'string' ? err.body : err.message);
    return new DrillError('error', `${what}: HTTP ${err.code}${body?.reason ? ` ${body.reason}` : ''}: ${message}`, {
      cause: err,
    });
  }
  return new DrillError('error', `${what}: ${errorMessage(err)}`, { cause: err });
}

function parseBody(body: unknown): { message?: string; reason?: string } | undefined {
  if (body && typeof body === 'object') return body;
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as { message?: string; reason?: string };
  } catch {
    return undefined;
  }
}

/**
 * The exit code carried by the exec status channel: Success is 0; a non-zero exit is reported as
 * reason NonZeroExitCode with the code in details.causes[ExitCode]. Any other failure (the executable
 * is missing, the container is gone) has no exit code: 127 when the runtime says "not found", else 126.
 */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  return /not found|no such file/i.test(status.message ?? '') ? 127 : 126;
}

function summarise(obj: KubeObject): string {
  const status = obj.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
  const conditions = status?.conditions?.map((c) => `${c.type}=${c.status}`).join(',');
  return [status?.phase && `phase ${status.phase}`, conditions && `conditions ${conditions}`]
    .filter(Boolean)
    .join('; ');
}

function collector(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      into.push(chunk);
      cb();
    },
  });
}

/** Copies stdin to the socket without queueing more than STDIN_HIGH_WATER bytes on it. */
async function pumpStdin(
  source: NodeJS.ReadableStream,
  into: PassThrough,
  ws: { bufferedAmount: number; readyState: number },
): Promise<void> {
  for await (const chunk of source) {
    into.write(chunk);
    while (ws.bufferedAmount > STDIN_HIGH_WATER && ws.readyState === 1) await new Promise((r) => setTimeout(r, 5));
  }
}
