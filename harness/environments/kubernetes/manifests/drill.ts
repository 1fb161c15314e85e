import type {
  V1Deployment,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1PodSecurityContext,
  V1Secret,
  V1SecurityContext,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { COMPONENT_LABEL, INSTANCE_LABEL, podOf } from '../names.js';
import { POSTGRES_CONTAINER, supervisorScript, type PodPaths } from '../pod-scripts.js';
import { mebibytes, type Manifest, type Stamp } from './types.js';

export const CREDENTIALS_SECRET = 'drdrill-credentials';
export const OBJECT_STORE_SECRET = 'drdrill-objectstore';
export const OBJECT_STORE_SERVICE = 'objectstore';
export const OBJECT_STORE_PORT = 9000;
export const POSTGRES_PORT = 5432;
/** The postgres user of the drdrill image and of the official postgres image. */
export const POSTGRES_UID = 999;
const SNAPSHOT_API = 'snapshot.storage.k8s.io';

/** Pod and container settings that pass the "restricted" Pod Security Standard. */
export function restrictedPod(uid: number): V1PodSecurityContext {
  return {
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    runAsNonRoot: true,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export const RESTRICTED_CONTAINER: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

export function namespaceManifest(
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Manifest<V1Namespace> {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { ...labels, 'pod-security.kubernetes.io/warn': 'restricted' },
      annotations,
    },
  };
}

/**
 * A Secret with its values. Only this object ever holds them: pods read them as files or through
 * secretKeyRef, and the journal records the Secret by its keys alone (see `recordOf`).
 */
export function secretManifest(stamp: Stamp, name: string, data: Record<string, string>): Manifest<V1Secret> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: stamp.namespace, labels: stamp.labels },
    type: 'Opaque',
    stringData: data,
  };
}

export interface InstanceManifestOptions {
  stamp: Stamp;
  /** The drdrill instance name ("primary", "restored-1"); the StatefulSet and its headless Service share it. */
  instance: string;
  statefulSet: string;
  image: string;
  paths: PodPaths;
  storageClass?: string;
  dataSizeMB: number;
  walSizeMB?: number;
  /** Restore the data volume from this VolumeSnapshot (a PVC with the snapshot as dataSource). */
  fromSnapshot?: string;
}

/** The headless Service that gives the instance's pod a stable DNS name for standbys and pg_rewind. */
export function instanceServiceManifest(o: InstanceManifestOptions): Manifest<V1Service> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.statefulSet, namespace: o.stamp.namespace, labels: instanceLabels(o) },
    spec: {
      clusterIP: 'None',
      // PostgreSQL is started by the harness, not by the kubelet: the name must resolve before it is ready.
      publishNotReadyAddresses: true,
      selector: instanceLabels(o),
      ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT }],
    },
  };
}

/** One PostgreSQL instance: a StatefulSet of one pod with its data (and optionally pg_wal) on PVCs. */
export function instanceStatefulSetManifest(o: InstanceManifestOptions): Manifest<V1StatefulSet> {
  const labels = instanceLabels(o);
  const claim = (name: 'data' | 'wal', sizeMB: number, fromSnapshot?: string) => ({
    metadata: { name, labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
      resources: { requests: { storage: mebibytes(sizeMB) } },
      ...(fromSnapshot ? { dataSource: { apiGroup: SNAPSHOT_API, kind: 'VolumeSnapshot', name: fromSnapshot } } : {}),
    },
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: o.statefulSet, namespace: o.stamp.namespace, labels },
    spec: {
      serviceName: o.statefulSet,
      replicas: 1,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: labels },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      template: {
        metadata: { labels },
        spec: {
          securityContext: restrictedPod(POSTGRES_UID),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: POSTGRES_CONTAINER,
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', supervisorScript(o.paths, Boolean(o.walSizeMB))],
              env: [
                { name: 'HOME', value: o.paths.home },
                { name: 'LANG', value: 'C.UTF-8' },
              ],
              ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
              securityContext: RESTRICTED_CONTAINER,
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              volumeMounts: [
                { name: 'data', mountPath: o.paths.dataMount },
                ...(o.walSizeMB ? [{ name: 'wal', mountPath: o.paths.walMount }] : []),
                { name: 'scratch', mountPath: o.paths.scratch },
                { name: 'credentials', mountPath: o.paths.secrets, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'credentials', secret: { secretName: CREDENTIALS_SECRET, defaultMode: 0o400 } },
          ],
        },
      },
      volumeClaimTemplates: [
        claim('data', o.dataSizeMB, o.fromSnapshot),
        ...(o.walSizeMB ? [claim('wal', o.walSizeMB)] : []),
      ],
    },
  };
}

export function instanceLabels(o: { stamp: Stamp; instance: string }): Record<string, string> {
  return { ...o.stamp.labels, [COMPONENT_LABEL]: 'postgres', [INSTANCE_LABEL]: o.instance };
}

export function instancePod(statefulSet: string): string {
  return podOf(statefulSet);
}

/** MinIO as the drill's object store: a Deployment with an emptyDir and a Service; credentials from a Secret. */
export function objectStoreManifests(stamp: Stamp, image: string): [Manifest<V1Service>, Manifest<V1Deployment>] {
  const labels = { ...stamp.labels, [COMPONENT_LABEL]: 'objectstore' };
  const fromSecret = (key: string) => ({ secretKeyRef: { name: OBJECT_STORE_SECRET, key } });
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: OBJECT_STORE_SERVICE, namespace: stamp.namespace, labels },
      spec: { selector: labels, ports: [{ name: 's3', port: OBJECT_STORE_PORT, targetPort: OBJECT_STORE_PORT }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: OBJECT_STORE_SERVICE, namespace: stamp.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels },
          spec: {
            securityContext: restrictedPod(1000),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            containers: [
              {
                name: 'minio',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: ['server', '/data', '--address', `:${OBJECT_STORE_PORT}`],
                env: [
                  { name: 'MINIO_ROOT_USER', valueFrom: fromSecret('user') },
                  { name: 'MINIO_ROOT_PASSWORD', valueFrom: fromSecret('password') },
                  { name: 'HOME', value: '/data' },
                ],
                ports: [{ name: 's3', containerPort: OBJECT_STORE_PORT }],
                readinessProbe: {
                  httpGet: { path: '/minio/health/live', port: OBJECT_STORE_PORT },
                  periodSeconds: 2,
                },
                securityContext: RESTRICTED_CONTAINER,
                resources: { requests: { cpu: '100m', memory: '256Mi' } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    },
  ];
}

export interface VolumeSnapshotManifest {
  apiVersion: 'snapshot.storage.k8s.io/v1';
  kind: 'VolumeSnapshot';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { volumeSnapshotClassName?: string; source: { persistentVolumeClaimName: string } };
  status?: {
    readyToUse?: boolean;
    restoreSize?: string;
    creationTime?: string;
    boundVolumeSnapshotContentName?: string;
    error?: { message?: string; time?: string };
  };
  [key: string]: unknown;
}

/** The seed's Strategy 1: a VolumeSnapshot of a data PVC. */
export function volumeSnapshotManifest(
  stamp: Stamp,
  name: string,
  claim: string,
  snapshotClass?: string,
): VolumeSnapshotManifest {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name, namespace: stamp.namespace, labels: stamp.labels },
    spec: {
      ...(snapshotClass ? { volumeSnapshotClassName: snapshotClass } : {}),
      source: { persistentVolumeClaimName: claim },
    },
  };
}

export type PvcManifest = Manifest<V1PersistentVolumeClaim>;
