import { randomBytes } from 'node:crypto';
import { DrillError } from '../../engine/errors.js';
import { registerSecret } from '../../util/logger.js';
import { resolveObjectStoreSpec } from '../object-store-spec.js';
import type { EnvironmentStartOptions, ObjectStoreConnection } from '../types.js';
import type { ObjectStoreSpec } from '../../scenario/schema.js';
import type { Cluster, KubeObject } from './cluster.js';
import {
  OBJECT_STORE_PORT,
  OBJECT_STORE_SECRET,
  OBJECT_STORE_SERVICE,
  objectStoreManifests,
  secretManifest,
} from './manifests/drill.js';
import type { Stamp } from './manifests/types.js';
import { COMPONENT_LABEL } from './names.js';

const READY_MS = 180_000;

/** An external endpoint on this machine's loopback address is not the pods' loopback. */
export function checkReachableFromPods(spec: ObjectStoreSpec): void {
  if (spec.kind === 'embedded' && spec.tls)
    throw new DrillError(
      'missing-prerequisite',
      'environment.objectStore.tls: the object store of environment "kubernetes" is MinIO over plain HTTP inside the namespace; pgBackRest drills (which need TLS) run on "native"',
    );
  if (spec.kind !== 's3' || !spec.endpoint) return;
  const host = new URL(spec.endpoint).hostname;
  if (/^(127\.|localhost$|\[?::1\]?$)/.test(host))
    throw new DrillError(
      'invalid-config',
      `environment.objectStore.endpoint ${spec.endpoint} is this machine's loopback address, which pods cannot reach; give an address they can reach`,
    );
}

/**
 * The drill's object store: MinIO in the drill's namespace (instances use its Service, the harness a
 * port-forward to its pod), or an external S3 endpoint that pods reach directly.
 */
export async function startObjectStore(
  opts: EnvironmentStartOptions,
  k: { cluster: Cluster; stamp: Stamp; image: string; onApplied(obj: KubeObject): void },
): Promise<ObjectStoreConnection> {
  const spec = opts.spec.objectStore;
  if (spec.kind === 's3') return resolveObjectStoreSpec(spec, opts.runId, opts.drillName);
  const user = `drdrill${randomBytes(3).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  registerSecret(password);
  const secret = secretManifest(k.stamp, OBJECT_STORE_SECRET, { user, password });
  await k.cluster.apply(secret);
  k.onApplied(secret);
  for (const m of objectStoreManifests(k.stamp, k.image)) {
    await k.cluster.apply(m);
    k.onApplied(m);
  }
  await k.cluster.watchUntil<DeploymentObject>(
    { apiVersion: 'apps/v1', kind: 'Deployment', namespace: k.stamp.namespace, name: OBJECT_STORE_SERVICE },
    (d) => (d?.status?.readyReplicas ?? 0) >= 1,
    { timeoutMs: READY_MS, what: `object store: Deployment ${OBJECT_STORE_SERVICE} ready`, signal: opts.signal },
  );
  const pods = await k.cluster.list<PodObject>('v1', 'Pod', {
    namespace: k.stamp.namespace,
    labelSelector: `${COMPONENT_LABEL}=objectstore`,
  });
  const pod = pods.find((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  if (!pod) throw new DrillError('error', `object store: Deployment ${OBJECT_STORE_SERVICE} is ready but no pod runs`);
  const forward = await k.cluster.portForward(k.stamp.namespace, pod.metadata.name, OBJECT_STORE_PORT);
  opts.onTeardown('close the object store port-forward', () => forward.close());
  const inside = k.cluster.serviceAddress(k.stamp.namespace, OBJECT_STORE_SERVICE, OBJECT_STORE_PORT);
  return {
    kind: 'embedded',
    endpoint: `http://${forward.host}:${forward.port}`,
    endpointForInstances: `http://${inside.host}:${inside.port}`,
    bucket: `drdrill-${opts.runId}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 63)
      .replace(/-+$/, ''),
    prefix: '',
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: user,
    secretAccessKey: password,
  };
}

interface DeploymentObject extends KubeObject {
  status?: { readyReplicas?: number };
}
interface PodObject extends KubeObject {
  status?: { phase?: string };
}
