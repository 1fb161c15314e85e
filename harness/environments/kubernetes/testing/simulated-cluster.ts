import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, chown, cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DrillError } from '../../../engine/errors.js';
import type { Logger } from '../../../util/logger.js';
import { freePort } from '../../../util/ports.js';
import { postgresAccount, runProcess, type SystemUser } from '../../../util/process.js';
import { sleep } from '../../../util/retry.js';
import { stopChild } from '../../native/embedded-s3.js';
import { packageRoot } from '../../../util/paths.js';
import { findPostgresBinDir } from '../../native/postgres-binaries.js';
import { mountTmpfs, type TmpfsVolume } from '../../native/tmpfs-volume.js';
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
} from '../cluster.js';
import { quantityBytes } from '../manifests/types.js';

export interface SimStorageClass {
  name: string;
  provisioner: string;
  allowVolumeExpansion?: boolean;
  isDefault?: boolean;
  /** Volumes are tmpfs mounts of the claimed size (needs root); otherwise plain directories. */
  enforcesSize?: boolean;
}

export interface SimulatedClusterOptions {
  dir: string;
  logger: Logger;
  storageClasses?: SimStorageClass[];
  /** Serve the snapshot.storage.k8s.io API with a default class for this driver. */
  snapshotDriver?: string;
  /** Make the StatefulSet controller refuse to create pods (an image that cannot be pulled). */
  failPods?: string;
}

interface SimPod {
  ns: string;
  name: string;
  uid: string;
  root: string;
  env: Record<string, string>;
  supervisor?: ChildProcess;
  execs: Set<ChildProcess>;
}

interface SimVolume {
  dir: string;
  tmpfs?: TmpfsVolume;
}

/**
 * An in-memory Kubernetes for the L3 tests: the API is a map of objects with the few controller behaviours a
 * drill relies on (StatefulSets make PVCs and a pod, pods restart after a delete, namespaces delete their
 * content, PVCs expand, VolumeSnapshots copy a volume). Pods are real local processes: the pod's command
 * runs as the postgres user with the pod's files under a directory of its own, so PostgreSQL, its tools and
 * the WAL tool run for real. Every API call is recorded in `calls`. Nothing timed here is a measured RTO.
 */
export class SimulatedCluster implements Cluster {
  readonly simulated = true;
  readonly context = 'simulated';
  readonly server = 'simulated://in-memory';
  readonly calls: string[] = [];
  private readonly _objects = new Map<string, KubeObject>();
  private readonly _pods = new Map<string, SimPod>();
  private readonly _volumes = new Map<string, SimVolume>();
  private readonly _stores = new Map<string, { stop: () => Promise<void>; port: number }>();
  private readonly _layouts = new Map<string, PodLayout>();
  private readonly _ports: number[] = [];
  private readonly _account: SystemUser | undefined = postgresAccount();
  private readonly _path: string;
  private readonly _snapshots = new Map<string, string>();

  private constructor(private readonly _opts: SimulatedClusterOptions) {
    this._path = [findPostgresBinDir(), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    for (const sc of _opts.storageClasses ?? DEFAULT_CLASSES) {
      this._put({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: {
          name: sc.name,
          annotations: sc.isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
        },
        provisioner: sc.provisioner,
        allowVolumeExpansion: sc.allowVolumeExpansion ?? false,
        'drdrill.sim/enforcesSize': sc.enforcesSize ?? false,
      });
    }
    if (_opts.snapshotDriver)
      this._put({
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: { name: 'sim-snapclass', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
        driver: _opts.snapshotDriver,
        deletionPolicy: 'Delete',
      });
  }

  static async create(opts: SimulatedClusterOptions): Promise<SimulatedCluster> {
    const sim = new SimulatedCluster(opts);
    await mkdir(opts.dir, { recursive: true });
    await chmod(opts.dir, 0o755);
    for (let i = 0; i < 12; i++) sim._ports.push(await freePort());
    return sim;
  }

  async serverVersion(): Promise<string> {
    this.calls.push('GET /version');
    return 'v1.33.0-simulated';
  }

  async apply<T extends KubeObject>(obj: T): Promise<T> {
    this.calls.push(`APPLY ${describeRef(refOf(obj))}`);
    const copy = structuredClone(obj) as KubeObject;
    if (copy.kind === 'Secret' && copy.stringData) {
      copy.data = Object.fromEntries(
        Object.entries(copy.stringData as Record<string, string>).map(([k, v]) => [
          k,
          Buffer.from(v).toString('base64'),
        ]),
      );
      delete copy.stringData;
    }
    if (
      copy.metadata.namespace &&
      !this._objects.has(key({ apiVersion: 'v1', kind: 'Namespace', name: copy.metadata.namespace }))
    )
      throw new DrillError(
        'error',
        `apply ${describeRef(refOf(obj))}: HTTP 404 NotFound: namespaces "${copy.metadata.namespace}" not found`,
      );
    const existing = this._objects.get(key(refOf(copy)));
    copy.metadata.uid = existing?.metadata.uid ?? randomUUID();
    this._put(copy);
    if (copy.kind === 'StatefulSet') await this._reconcileStatefulSet(copy);
    if (copy.kind === 'Deployment') await this._startObjectStore(copy);
    if (copy.kind === 'VolumeSnapshot') await this._snapshot(copy);
    return structuredClone(this._objects.get(key(refOf(copy)))) as T;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    this.calls.push(`GET ${describeRef(ref)}`);
    return this._peek<T>(ref);
  }

  async list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: { namespace?: string; labelSelector?: string } = {},
  ): Promise<T[]> {
    this.calls.push(
      `LIST ${kind}${opts.namespace ? ` in ${opts.namespace}` : ''}${opts.labelSelector ? ` ${opts.labelSelector}` : ''}`,
    );
    if (apiVersion.startsWith('snapshot.storage.k8s.io') && !this._opts.snapshotDriver)
      throw new DrillError(
        'error',
        `list ${kind}: Failed to fetch resource metadata for ${apiVersion}/${kind}: HTTP 404`,
      );
    return [...this._objects.values()]
      .filter((o) => o.kind === kind && (!opts.namespace || o.metadata.namespace === opts.namespace))
      .filter((o) => matches(o.metadata.labels ?? {}, opts.labelSelector))
      .map((o) => structuredClone(o) as T);
  }

  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    const how = [
      opts.gracePeriodSeconds !== undefined ? `grace=${opts.gracePeriodSeconds}` : '',
      opts.propagationPolicy ? `propagation=${opts.propagationPolicy}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    this.calls.push(`DELETE ${describeRef(ref)}${how ? ` ${how}` : ''}`);
    if (!this._objects.has(key(ref))) return false;
    await this._remove(ref);
    return true;
  }

  async mergePatch<T extends KubeObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T> {
    this.calls.push(`MERGE-PATCH ${describeRef(ref)} ${JSON.stringify(patch)}`);
    const obj = this._objects.get(key(ref));
    if (!obj) throw new DrillError('error', `patch ${describeRef(ref)}: HTTP 404 NotFound`);
    if (ref.kind === 'PersistentVolumeClaim') await this._expand(obj, patch);
    else mergeInto(obj, patch);
    return structuredClone(obj) as T;
  }

  async watchUntil<T extends KubeObject>(
    ref: ObjectRef,
    done: (obj: T | undefined) => boolean,
    opts: { timeoutMs: number; what: string; signal?: AbortSignal },
  ): Promise<T | undefined> {
    this.calls.push(`WATCH ${describeRef(ref)}`);
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const obj = this._peek<T>(ref);
      if (done(obj)) return obj;
      if (Date.now() > deadline)
        throw new DrillError(
          'error',
          `${opts.what}: not reached within ${opts.timeoutMs / 1000} s (${describeRef(ref)})`,
        );
      await sleep(20, opts.signal);
    }
  }

  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    opts: ExecOptions = {},
  ): Promise<ExecResult> {
    this.calls.push(`EXEC ${namespace}/${pod} ${command.join(' ').slice(0, 400)}`);
    const p = this._pods.get(`${namespace}/${pod}`);
    if (!p)
      throw new DrillError('error', `exec in pod ${namespace}/${pod}: HTTP 404 NotFound: pods "${pod}" not found`);
    void container;
    const child = spawn(command[0]!, command.slice(1), {
      cwd: p.root,
      env: p.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(this._account ? { uid: this._account.uid, gid: this._account.gid } : {}),
    });
    p.execs.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    if (opts.stdout) child.stdout.pipe(opts.stdout);
    else child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {});
    if (opts.stdin) opts.stdin.stream.pipe(child.stdin);
    else child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const code = await new Promise<number>((resolve, reject) => {
      if (opts.timeoutMs)
        timer = setTimeout(
          () => (
            child.kill('SIGKILL'),
            reject(
              new DrillError(
                'error',
                `exec in pod ${namespace}/${pod}: did not finish within ${opts.timeoutMs! / 1000} s`,
              ),
            )
          ),
          opts.timeoutMs,
        );
      child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? 127 : 126));
      child.once('close', (c, signal) => resolve(c ?? (signal ? 137 : 1)));
    }).finally(() => {
      clearTimeout(timer);
      p.execs.delete(child);
    });
    return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
  }

  async portForward(namespace: string, pod: string, port: number): Promise<LocalForward> {
    this.calls.push(`PORTFORWARD ${namespace}/${pod}:${port}`);
    const store = [...this._stores.entries()].find(([k]) => k === `${namespace}/${pod}`);
    if (store) return { host: '127.0.0.1', port: store[1].port, close: async () => {} };
    return { host: '127.0.0.1', port: this.podLayout(namespace, pod).port, close: async () => {} };
  }

  podLayout(namespace: string, pod: string): PodLayout {
    const id = `${namespace}/${pod}`;
    let layout = this._layouts.get(id);
    if (!layout) {
      const port = this._ports.shift();
      if (!port) throw new Error('simulated cluster: out of ports');
      // Short paths: the pod's Unix socket path must stay under 108 bytes.
      layout = { root: join(this._opts.dir, 'p', String(this._layouts.size)), port, listen: '127.0.0.1' };
      this._layouts.set(id, layout);
    }
    return layout;
  }

  serviceAddress(namespace: string, service: string, port: number): { host: string; port: number } {
    const store = [...this._stores.entries()].find(([k]) => k.startsWith(`${namespace}/${service}`));
    return { host: '127.0.0.1', port: store?.[1].port ?? port };
  }

  podAddress(namespace: string, _service: string, pod: string): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.podLayout(namespace, pod).port };
  }

  /** Tears down whatever a test left (namespaces not deleted by the drill stay listed in `leftovers`). */
  async close(): Promise<void> {}

  async destroy(): Promise<void> {
    for (const ns of [...this._objects.values()].filter((o) => o.kind === 'Namespace')) await this._remove(refOf(ns));
    await rm(this._opts.dir, { recursive: true, force: true });
  }

  namespaces(): string[] {
    return [...this._objects.values()].filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  }

  runningProcesses(): number {
    return [...this._pods.values()].filter((p) => p.supervisor && p.supervisor.exitCode === null).length;
  }

  private _peek<T extends KubeObject>(ref: ObjectRef): T | undefined {
    const o = this._objects.get(key(ref));
    return o ? (structuredClone(o) as T) : undefined;
  }

  private _put(obj: KubeObject): void {
    obj.metadata.resourceVersion = String(Date.now());
    this._objects.set(key(refOf(obj)), obj);
  }

  private async _remove(ref: ObjectRef): Promise<void> {
    const obj = this._objects.get(key(ref));
    if (!obj) return;
    this._objects.delete(key(ref));
    const ns = obj.metadata.namespace;
    if (ref.kind === 'Namespace') {
      for (const o of [...this._objects.values()].filter((x) => x.metadata.namespace === ref.name))
        await this._remove(refOf(o));
      await this._stopStores(`${ref.name}/`);
      return;
    }
    if (ref.kind === 'Pod') {
      await this._killPod(`${ns}/${ref.name}`);
      // The StatefulSet controller replaces a deleted pod.
      const owner = obj.metadata.labels?.['drdrill.sim/statefulset'];
      const sts = owner
        ? this._objects.get(key({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name: owner }))
        : undefined;
      if (sts) setTimeout(() => void this._reconcileStatefulSet(sts).catch(() => {}), 50);
    }
    if (ref.kind === 'StatefulSet') {
      const pod = `${ref.name}-0`;
      await this._remove({ apiVersion: 'v1', kind: 'Pod', namespace: ns!, name: pod });
      const policy = (obj.spec as { persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string } })
        .persistentVolumeClaimRetentionPolicy?.whenDeleted;
      if (policy === 'Delete')
        for (const t of (obj.spec as StsSpec).volumeClaimTemplates ?? [])
          await this._remove({
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: ns!,
            name: `${t.metadata.name}-${pod}`,
          });
    }
    if (ref.kind === 'PersistentVolumeClaim') {
      const v = this._volumes.get(`${ns}/${ref.name}`);
      this._volumes.delete(`${ns}/${ref.name}`);
      await v?.tmpfs?.unmount();
      if (v) await rm(v.dir, { recursive: true, force: true });
    }
    if (ref.kind === 'Deployment') {
      await this._stopStores(`${ns}/${ref.name}`);
    }
  }

  private async _stopStores(prefix: string): Promise<void> {
    for (const [id, store] of [...this._stores]) {
      if (!id.startsWith(prefix)) continue;
      this._stores.delete(id);
      await store.stop();
    }
  }

  private async _killPod(id: string): Promise<void> {
    const p = this._pods.get(id);
    if (!p) return;
    this._pods.delete(id);
    for (const e of p.execs) e.kill('SIGKILL');
    if (p.supervisor?.pid && p.supervisor.exitCode === null) {
      const exited = new Promise((r) => p.supervisor!.once('exit', r));
      // A container's processes all die with it, whatever process group they made for themselves (PostgreSQL's
      // children each lead their own). Deepest first, the supervisor last: each parent reaps its children, so
      // no killed postmaster lingers as a zombie whose PID would still hold postmaster.pid.
      const tree = await descendants(p.supervisor.pid);
      for (const pid of tree.reverse()) kill(pid);
      for (let i = 0; i < 50 && tree.some(alive); i++) await sleep(10);
      kill(p.supervisor.pid);
      await exited;
    }
    // The pod's own filesystem (emptyDirs, the Secret volume) goes with it; PVCs stay.
    await rm(p.root, { recursive: true, force: true });
  }

  private async _reconcileStatefulSet(sts: KubeObject): Promise<void> {
    if (!this._objects.has(key(refOf(sts)))) return;
    const ns = sts.metadata.namespace!;
    const spec = sts.spec as StsSpec;
    const podName = `${sts.metadata.name}-0`;
    if (this._pods.has(`${ns}/${podName}`)) return;
    if (this._opts.failPods)
      return this._put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName, namespace: ns, uid: randomUUID(), labels: spec.template.metadata.labels },
        status: { phase: 'Pending', reason: this._opts.failPods },
      });
    for (const t of spec.volumeClaimTemplates ?? []) await this._claim(ns, `${t.metadata.name}-${podName}`, t, sts);
    const container = spec.template.spec.containers[0]!;
    const layout = this.podLayout(ns, podName);
    const pod: SimPod = {
      ns,
      name: podName,
      uid: randomUUID(),
      root: layout.root,
      env: {
        PATH: this._path,
        ...Object.fromEntries(
          (container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
        ),
      },
      execs: new Set(),
    };
    await mkdir(pod.root, { recursive: true });
    await this._own(pod.root);
    for (const m of container.volumeMounts ?? []) {
      await mkdir(dirname(m.mountPath), { recursive: true });
      await this._own(dirname(m.mountPath));
      const volume = spec.template.spec.volumes?.find((v) => v.name === m.name);
      if (volume?.secret) {
        await mkdir(m.mountPath, { recursive: true });
        const secret = this._objects.get(
          key({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: volume.secret.secretName }),
        );
        for (const [k, v] of Object.entries((secret?.data ?? {}) as Record<string, string>)) {
          await writeFile(join(m.mountPath, k), Buffer.from(v, 'base64'), { mode: 0o400 });
          await this._own(join(m.mountPath, k));
        }
        await this._own(m.mountPath);
      } else if (volume?.emptyDir) {
        await mkdir(m.mountPath, { recursive: true });
        await this._own(m.mountPath);
      } else {
        const claim = this._volumes.get(`${ns}/${m.name}-${podName}`);
        if (!claim) throw new DrillError('error', `simulated cluster: no PVC for volume ${m.name} of ${podName}`);
        await symlink(claim.dir, m.mountPath);
      }
    }
    const [file, ...args] = container.command ?? [];
    pod.supervisor = spawn(file!, args, {
      cwd: pod.root,
      env: pod.env,
      detached: true,
      stdio: 'ignore',
      ...(this._account ? { uid: this._account.uid, gid: this._account.gid } : {}),
    });
    pod.supervisor.unref();
    this._pods.set(`${ns}/${podName}`, pod);
    this._put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        uid: pod.uid,
        labels: { ...spec.template.metadata.labels, 'drdrill.sim/statefulset': sts.metadata.name },
      },
      status: { phase: 'Running' },
    });
  }

  private async _claim(ns: string, name: string, template: ClaimTemplate, owner: KubeObject): Promise<void> {
    const id = `${ns}/${name}`;
    if (this._volumes.has(id)) return;
    const className = template.spec.storageClassName ?? this._defaultClass();
    const sc = this._objects.get(key({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: className }));
    const size = template.spec.resources.requests.storage;
    const dir = join(this._opts.dir, 'volumes', ns, name);
    await mkdir(dir, { recursive: true });
    const volume: SimVolume = { dir };
    if (sc?.['drdrill.sim/enforcesSize'])
      volume.tmpfs = await mountTmpfs(dir, Math.ceil(quantityBytes(size) / 2 ** 20), this._account, {
        logger: this._opts.logger,
      });
    await this._own(dir);
    const source = template.spec.dataSource;
    if (source?.kind === 'VolumeSnapshot') {
      const snap = this._snapshots.get(`${ns}/${source.name}`);
      if (!snap) throw new DrillError('error', `simulated cluster: VolumeSnapshot ${source.name} is not ready`);
      await cp(snap, dir, { recursive: true, preserveTimestamps: true });
      await runProcess('chown', ['-R', `${this._account?.uid ?? process.getuid?.()}`, dir]).catch(() => {});
    }
    this._volumes.set(id, volume);
    this._put({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: ns, uid: randomUUID(), labels: owner.metadata.labels ?? {} },
      spec: { ...template.spec, storageClassName: className },
      status: { phase: 'Bound', capacity: { storage: size } },
    });
  }

  private async _expand(pvc: KubeObject, patch: Record<string, unknown>): Promise<void> {
    const ns = pvc.metadata.namespace!;
    const spec = pvc.spec as ClaimTemplate['spec'];
    const sc = this._objects.get(
      key({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: spec.storageClassName! }),
    );
    if (!sc?.allowVolumeExpansion)
      throw new DrillError(
        'error',
        `patch PersistentVolumeClaim ${ns}/${pvc.metadata.name}: HTTP 403 Forbidden: persistentvolumeclaims "${pvc.metadata.name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
      );
    mergeInto(pvc, patch);
    const wanted = (pvc.spec as ClaimTemplate['spec']).resources.requests.storage;
    (pvc.status as Record<string, unknown>).conditions = [{ type: 'FileSystemResizePending', status: 'True' }];
    this._put(pvc);
    // The resizer and the kubelet act a moment later: the filesystem grows, then the condition clears.
    setTimeout(() => {
      void (async () => {
        await this._volumes.get(`${ns}/${pvc.metadata.name}`)?.tmpfs?.grow(Math.ceil(quantityBytes(wanted) / 2 ** 20));
        const current = this._objects.get(key(refOf(pvc)));
        if (!current) return;
        current.status = { phase: 'Bound', capacity: { storage: wanted }, conditions: [] };
        this._put(current);
      })();
    }, 100);
  }

  private async _snapshot(snap: KubeObject): Promise<void> {
    const ns = snap.metadata.namespace!;
    const claim = (snap.spec as { source: { persistentVolumeClaimName: string } }).source.persistentVolumeClaimName;
    const v = this._volumes.get(`${ns}/${claim}`);
    if (!v) {
      snap.status = { readyToUse: false, error: { message: `PVC ${claim} not found` } };
      return;
    }
    const dir = join(this._opts.dir, 'snapshots', ns, snap.metadata.name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await cp(v.dir, dir, { recursive: true, preserveTimestamps: true });
    this._snapshots.set(`${ns}/${snap.metadata.name}`, dir);
    const size = (
      this._objects.get(key({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: claim }))
        ?.status as { capacity?: { storage?: string } } | undefined
    )?.capacity?.storage;
    snap.status = {
      readyToUse: true,
      restoreSize: size,
      creationTime: new Date().toISOString(),
      boundVolumeSnapshotContentName: `snapcontent-${randomUUID()}`,
    };
    this._put(snap);
  }

  /**
   * The MinIO Deployment runs as fixtures/images/s3-standin (s3rver behind MinIO's command line), with the
   * credentials its container reads from the Secret, on a port of its own.
   */
  private async _startObjectStore(deployment: KubeObject): Promise<void> {
    const ns = deployment.metadata.namespace!;
    const spec = deployment.spec as StsSpec;
    const container = spec.template.spec.containers[0]!;
    const env: Record<string, string> = { PATH: this._path };
    for (const e of container.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      const secret = ref && this._objects.get(key({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: ref.name }));
      const value = secret ? (secret.data as Record<string, string>)[ref.key] : undefined;
      if (value !== undefined) env[e.name] = Buffer.from(value, 'base64').toString();
      else if (e.value !== undefined) env[e.name] = e.value;
    }
    const podName = `${deployment.metadata.name}-${randomUUID().slice(0, 5)}`;
    const dir = join(this._opts.dir, 's3', ns);
    await mkdir(dir, { recursive: true });
    env.HOME = dir;
    const port = this._ports.shift()!;
    const server = join(packageRoot(), 'fixtures', 'images', 's3-standin', 'server.cjs');
    const child = spawn(
      process.execPath,
      ['--openssl-legacy-provider', '--no-warnings', server, 'server', dir, '--address', `127.0.0.1:${port}`],
      {
        env,
        stdio: 'ignore',
      },
    );
    this._stores.set(`${ns}/${podName}`, { stop: () => stopChild(child), port });
    const health = `http://127.0.0.1:${port}/minio/health/live`;
    for (let i = 0; ; i++) {
      if (
        (await fetch(health)
          .then((r) => r.ok)
          .catch(() => false)) === true
      )
        break;
      if (i > 200) throw new DrillError('error', `simulated cluster: the object store did not answer on ${health}`);
      await sleep(25);
    }
    this._put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, namespace: ns, uid: randomUUID(), labels: spec.template.metadata.labels },
      status: { phase: 'Running' },
    });
    deployment.status = { readyReplicas: 1, availableReplicas: 1 };
    this._put(deployment);
  }

  private _defaultClass(): string {
    const sc = [...this._objects.values()].find(
      (o) =>
        o.kind === 'StorageClass' && o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
    );
    return sc?.metadata.name ?? '';
  }

  private async _own(path: string): Promise<void> {
    if (this._account) await chown(path, this._account.uid, this._account.gid);
  }
}

const DEFAULT_CLASSES: SimStorageClass[] = [
  { name: 'standard', provisioner: 'rancher.io/local-path', isDefault: true },
  { name: 'sim-expandable', provisioner: 'sim.csi.drdrill', allowVolumeExpansion: true, enforcesSize: true },
];

interface ClaimTemplate {
  metadata: { name: string };
  spec: {
    storageClassName?: string;
    resources: { requests: { storage: string } };
    dataSource?: { kind: string; name: string };
  };
}

interface StsSpec {
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      containers: {
        command?: string[];
        env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
        volumeMounts?: { name: string; mountPath: string }[];
      }[];
      volumes?: { name: string; emptyDir?: object; secret?: { secretName: string } }[];
    };
  };
  volumeClaimTemplates?: ClaimTemplate[];
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Still a process, not yet reaped (a zombie's state is Z). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every process below pid, from /proc, parents before children. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command name may hold spaces; the parent pid is the second field after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(entry));
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function key(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function matches(labels: Record<string, string>, selector?: string): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return v === undefined ? k! in labels : labels[k!] === v;
  });
}

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object')
      mergeInto(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    else target[k] = v;
  }
}
