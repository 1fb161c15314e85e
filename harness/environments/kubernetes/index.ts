import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { DrillError } from '../../engine/errors.js';
import type { EnvironmentSpec } from '../../scenario/schema.js';
import { registerSecret, silentLogger } from '../../util/logger.js';
import { walToolPath } from '../wal-tool.js';
import type {
  EnvironmentProvider,
  EnvironmentStartOptions,
  InstanceSpec,
  ObjectStoreConnection,
  PgInstance,
  StartedEnvironment,
} from '../types.js';
import { readStorageFacts, volumeCapability, type StorageFacts } from './capabilities.js';
import { describeRef, refOf, type Cluster, type KubeObject } from './cluster.js';
import { connectCluster, contextFromSpec } from './connect.js';
import { chooseKubeImages, type KubeImages } from './images.js';
import { KubeInstance } from './instance.js';
import { CREDENTIALS_SECRET, namespaceManifest, secretManifest } from './manifests/drill.js';
import type { Stamp } from './manifests/types.js';
import {
  isDnsLabel,
  namespaceFor,
  ownerAnnotations,
  runLabels,
  runLabelValue,
  RUN_LABEL,
  statefulSetName,
} from './names.js';
import { checkReachableFromPods, startObjectStore } from './object-store.js';

const NAMESPACE_GONE_MS = 120_000;

export const kubernetesProvider: EnvironmentProvider = {
  kind: 'kubernetes',
  async checkPrerequisites(spec: EnvironmentSpec) {
    walToolPath();
    checkReachableFromPods(spec.objectStore);
    const cluster = await connectCluster({ context: contextFromSpec(spec), logger: silentLogger });
    try {
      await readStorageFacts(cluster, spec.kubernetes ?? {});
    } finally {
      await cluster.close();
    }
  },
  async start(opts) {
    return KubernetesEnvironment.start(opts);
  },
};

/** One object drdrill applied, as the journal records it (a Secret by its keys, never its values). */
export interface AppliedRecord {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  at: string;
  keys?: string[];
}

export class KubernetesEnvironment implements StartedEnvironment {
  readonly kind = 'kubernetes' as const;
  readonly applied: AppliedRecord[] = [];
  private readonly _instances: KubeInstance[] = [];
  objectStore!: ObjectStoreConnection;
  private _password = '';
  private _walTool = Buffer.alloc(0);
  private _serverVersion = '';

  private constructor(
    private readonly _opts: EnvironmentStartOptions,
    readonly cluster: Cluster,
    readonly namespace: string,
    readonly stamp: Stamp,
    readonly facts: StorageFacts,
    readonly images: KubeImages,
  ) {}

  get workDir(): string {
    return this._opts.workDir;
  }

  get simulated(): boolean {
    return this.cluster.simulated;
  }

  static async start(opts: EnvironmentStartOptions): Promise<KubernetesEnvironment> {
    const k = opts.spec.kubernetes;
    const cluster = await connectCluster({ context: contextFromSpec(opts.spec), logger: opts.logger });
    opts.onTeardown(`close the connection to context ${cluster.context}`, () => cluster.close());
    await mkdir(opts.workDir, { recursive: true });
    if (!opts.keep) opts.onTeardown(`remove ${opts.workDir}`, () => rm(opts.workDir, { recursive: true, force: true }));
    // Read before anything is created: a drill the cluster cannot run ends without leaving anything behind.
    const facts = await readStorageFacts(cluster, k ?? {});
    const namespace = sharedNamespace(opts.spec) ?? namespaceFor(k?.namespacePrefix ?? 'drdrill', opts.runId);
    const stamp: Stamp = { namespace, labels: runLabels(opts.runId, opts.drillName) };
    const env = new KubernetesEnvironment(opts, cluster, namespace, stamp, facts, chooseKubeImages(opts.spec));
    await env._claimNamespace();
    env._serverVersion = await cluster.serverVersion();
    env.objectStore = await startObjectStore(opts, {
      cluster,
      stamp,
      image: env.images.objectStore.name,
      onApplied: (o) => env.record(o),
    });
    env._password = randomBytes(16).toString('hex');
    registerSecret(env._password);
    env._walTool = await readFile(walToolPath());
    const forInstances = { ...env.objectStore, endpoint: env.objectStore.endpointForInstances };
    const credentials = secretManifest(stamp, CREDENTIALS_SECRET, {
      pgpass: `*:*:*:postgres:${env._password}\n`,
      pwfile: `${env._password}\n`,
      'wal-config.json': JSON.stringify(forInstances, null, 2),
    });
    await cluster.apply(credentials);
    env.record(credentials);
    return env;
  }

  /**
   * A namespace of its own (deleted at teardown with everything in it), or, with environment.kubernetes.namespace,
   * an existing one in which only objects labelled with this run are deleted. The teardown is queued first,
   * so a Ctrl-C during provisioning still removes what was created.
   */
  private async _claimNamespace(): Promise<void> {
    const { cluster, namespace } = this;
    const run = `${RUN_LABEL}=${runLabelValue(this._opts.runId)}`;
    const shared = !!sharedNamespace(this._opts.spec);
    this._opts.onTeardown(
      shared ? `delete objects labelled ${run} in ${namespace}` : `delete namespace ${namespace}`,
      async () => {
        if (this._opts.keep) {
          this._opts.logger.warn(
            `--keep: namespace ${namespace} is left as it is; remove it with "drdrill gc --kubernetes --run ${this._opts.runId} --all"`,
          );
          return;
        }
        if (shared) return deleteLabelled(cluster, namespace, run);
        const ref = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
        await cluster.delete(ref, { propagationPolicy: 'Foreground' });
        await cluster
          .watchUntil(ref, (ns) => ns === undefined, {
            timeoutMs: NAMESPACE_GONE_MS,
            what: `namespace ${namespace} deleted`,
          })
          .catch(() =>
            this._opts.logger.warn(
              `namespace ${namespace} is still terminating; "drdrill gc --kubernetes" removes it later`,
            ),
          );
      },
    );
    if (shared) {
      if (!(await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace })))
        throw new DrillError(
          'missing-prerequisite',
          `namespace "${namespace}" (environment.kubernetes.namespace or DRDRILL_KUBE_NAMESPACE) does not exist in context "${cluster.context}"`,
        );
      return;
    }
    const manifest = namespaceManifest(namespace, this.stamp.labels, ownerAnnotations(this._opts.runId));
    await cluster.apply(manifest);
    this.record(manifest);
  }

  record(obj: KubeObject): void {
    const data = (obj.stringData ?? obj.data) as Record<string, string> | undefined;
    this.applied.push({
      ...refOf(obj),
      at: new Date().toISOString(),
      ...(obj.kind === 'Secret' && data ? { keys: Object.keys(data).sort() } : {}),
    });
    this._opts.logger.debug(`applied ${describeRef(refOf(obj))} (server-side apply, field manager drdrill)`);
  }

  async createInstance(spec: InstanceSpec): Promise<PgInstance> {
    if (this._instances.some((i) => i.name === spec.name))
      throw new DrillError('error', `instance ${spec.name} already exists`);
    if (!isDnsLabel(statefulSetName(spec.name)))
      throw new DrillError('error', `instance name ${spec.name} cannot name a StatefulSet`);
    const instance = new KubeInstance(spec.name, {
      cluster: this.cluster,
      stamp: this.stamp,
      image: this.images.postgres.name,
      storageClass: this.facts.storageClass.name,
      password: this._password,
      walTool: this._walTool,
      workDir: this.workDir,
      logger: this._opts.logger.child(spec.name),
      onApplied: (o) => this.record(o),
    });
    this._opts.onTeardown(`close ${spec.name}`, () => instance.close());
    this._instances.push(instance);
    await instance.create(spec);
    return instance;
  }

  async toolVersions(): Promise<Record<string, string>> {
    const out: Record<string, string> = {
      'kubernetes.context': this.cluster.context,
      'kubernetes.server': `${this.cluster.server} (${this._serverVersion})`,
      'kubernetes.namespace': this.namespace,
      'kubernetes.storageClass': `${this.facts.storageClass.name} (${this.facts.storageClass.provisioner}${this.facts.storageClass.allowVolumeExpansion ? ', expandable' : ''})`,
      'kubernetes.snapshotClass': this.facts.snapshots.ok ? this.facts.snapshots.className : 'none',
      'image.postgres': `${this.images.postgres.name} (${this.images.postgres.source})`,
      'image.objectStore': `${this.images.objectStore.name} (${this.images.objectStore.source})`,
      node: process.version,
    };
    const probe = this._instances.find((i) => i.name === 'primary') ?? this._instances[0];
    if (!probe) return out;
    const tools = ['postgres', 'pg_basebackup', 'pg_dump', 'pg_verifybackup', 'pg_amcheck', 'pg_checksums'];
    const r = await probe
      .shell(`for t in ${tools.join(' ')}; do "$t" --version 2>/dev/null || echo; done`)
      .catch(() => undefined);
    const lines = r?.stdout.toString().split('\n') ?? [];
    tools.forEach((tool, i) => (out[tool] = lines[i]?.trim() || 'not found'));
    return out;
  }

  async volumeSupport(): Promise<{ ok: true } | { ok: false; reason: string }> {
    return volumeCapability(this.facts);
  }

  async pgbackrestSupport(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
    return {
      ok: false,
      reason:
        'pgBackRest drills need a TLS object store, and the object store of environment "kubernetes" serves plain HTTP; run them on "native"',
    };
  }

  /** Fields the journal carries for this environment. */
  journalFields(): Record<string, unknown> {
    return {
      ...(this.simulated ? { simulated: true } : {}),
      kubernetes: {
        context: this.cluster.context,
        server: this.cluster.server,
        serverVersion: this._serverVersion,
        namespace: this.namespace,
        storageClass: this.facts.storageClass,
        snapshots: this.facts.snapshots,
        fieldManager: 'drdrill',
        applied: this.applied,
      },
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Teardown steps were registered with the engine as resources were created.
  }
}

/**
 * An existing namespace to run in: environment.kubernetes.namespace, else DRDRILL_KUBE_NAMESPACE (set by the
 * in-cluster manifests to the pod's own namespace, where its ServiceAccount may work).
 */
function sharedNamespace(spec: EnvironmentSpec): string | undefined {
  return spec.kubernetes?.namespace ?? (process.env.DRDRILL_KUBE_NAMESPACE || undefined);
}

/** In a shared namespace: every kind drdrill creates, deleted by the run's label. */
async function deleteLabelled(cluster: Cluster, namespace: string, selector: string): Promise<void> {
  const kinds: [string, string][] = [
    ['apps/v1', 'StatefulSet'],
    ['apps/v1', 'Deployment'],
    ['v1', 'Service'],
    ['v1', 'Pod'],
    ['v1', 'PersistentVolumeClaim'],
    ['v1', 'Secret'],
    ['snapshot.storage.k8s.io/v1', 'VolumeSnapshot'],
  ];
  for (const [apiVersion, kind] of kinds) {
    const items = await cluster.list(apiVersion, kind, { namespace, labelSelector: selector }).catch(() => []);
    for (const item of items) await cluster.delete(refOf(item), { propagationPolicy: 'Foreground' });
  }
}
