import { DrillError, errorMessage } from '../../engine/errors.js';
import type { Cluster, KubeObject } from './cluster.js';

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const DEFAULT_SNAPSHOT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class';
/** Provisioners whose volumes are directories on the node's disk: a claim's size is not a limit. */
const SIZE_NOT_ENFORCED = [
  'rancher.io/local-path',
  'k8s.io/minikube-hostpath',
  'docker.io/hostpath',
  'microk8s.io/hostpath',
  'kubernetes.io/no-provisioner',
];
export const KIND_HINT =
  '"drdrill kind up" creates a kind cluster with csi-driver-host-path, an expandable StorageClass "drdrill-hostpath" and a default VolumeSnapshotClass';

interface StorageClassObject extends KubeObject {
  provisioner: string;
  allowVolumeExpansion?: boolean;
}
interface SnapshotClassObject extends KubeObject {
  driver: string;
}

export interface StorageFacts {
  storageClass: { name: string; provisioner: string; allowVolumeExpansion: boolean; isDefault: boolean };
  /** Why snapshots cannot be taken, or the class they use. */
  snapshots: { ok: true; className: string; driver: string } | { ok: false; reason: string };
}

/**
 * Reads what the drill's PVCs will get: the StorageClass (named, or the cluster default) and whether
 * VolumeSnapshots work (the snapshot.storage.k8s.io API and a class for the same driver).
 */
export async function readStorageFacts(
  cluster: Cluster,
  wanted: { storageClass?: string; snapshotClass?: string },
): Promise<StorageFacts> {
  const where = `context "${cluster.context}"`;
  let classes: StorageClassObject[];
  try {
    classes = await cluster.list<StorageClassObject>('storage.k8s.io/v1', 'StorageClass');
  } catch (err) {
    throw new DrillError(
      'missing-prerequisite',
      `cannot list StorageClasses in ${where} (${errorMessage(err)}); drdrill needs "get" and "list" on storageclasses`,
    );
  }
  const chosen = wanted.storageClass
    ? classes.find((c) => c.metadata.name === wanted.storageClass)
    : classes.find((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true');
  if (!chosen)
    throw new DrillError(
      'missing-prerequisite',
      wanted.storageClass
        ? `environment.kubernetes.storageClass "${wanted.storageClass}" does not exist in ${where}; it has: ${classes.map((c) => c.metadata.name).join(', ') || 'none'}`
        : `${where} has no default StorageClass (annotation ${DEFAULT_CLASS}: "true"); set environment.kubernetes.storageClass to one of: ${classes.map((c) => c.metadata.name).join(', ') || 'none'}`,
    );
  return {
    storageClass: {
      name: chosen.metadata.name,
      provisioner: chosen.provisioner,
      allowVolumeExpansion: chosen.allowVolumeExpansion === true,
      isDefault: chosen.metadata.annotations?.[DEFAULT_CLASS] === 'true',
    },
    snapshots: await snapshotFacts(cluster, chosen.provisioner, wanted.snapshotClass),
  };
}

async function snapshotFacts(cluster: Cluster, driver: string, wanted?: string): Promise<StorageFacts['snapshots']> {
  let classes: SnapshotClassObject[];
  try {
    classes = await cluster.list<SnapshotClassObject>('snapshot.storage.k8s.io/v1', 'VolumeSnapshotClass');
  } catch (err) {
    return {
      ok: false,
      reason: `the VolumeSnapshot API (snapshot.storage.k8s.io/v1) is not served (${errorMessage(err)}): install the external-snapshotter CRDs and snapshot-controller; ${KIND_HINT}`,
    };
  }
  const chosen = wanted
    ? classes.find((c) => c.metadata.name === wanted)
    : classes.find((c) => c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS] === 'true' && c.driver === driver);
  if (!chosen)
    return {
      ok: false,
      reason: wanted
        ? `environment.kubernetes.snapshotClass "${wanted}" does not exist; VolumeSnapshotClasses: ${classes.map((c) => c.metadata.name).join(', ') || 'none'}`
        : `no default VolumeSnapshotClass (annotation ${DEFAULT_SNAPSHOT_CLASS}: "true") for driver ${driver}; set environment.kubernetes.snapshotClass, or ${KIND_HINT}`,
    };
  if (chosen.driver !== driver)
    return {
      ok: false,
      reason: `VolumeSnapshotClass "${chosen.metadata.name}" is for driver ${chosen.driver}, but the PVCs come from ${driver}`,
    };
  return { ok: true, className: chosen.metadata.name, driver: chosen.driver };
}

/** What a disk-full drill needs: volumes that can fill up, and that can be grown afterwards. */
export function volumeCapability(facts: StorageFacts): { ok: true } | { ok: false; reason: string } {
  const sc = facts.storageClass;
  if (!sc.allowVolumeExpansion)
    return {
      ok: false,
      reason: `StorageClass "${sc.name}" (${sc.provisioner}) does not set allowVolumeExpansion: true, so a full PVC cannot be expanded; choose an expandable class with environment.kubernetes.storageClass, or ${KIND_HINT}`,
    };
  if (SIZE_NOT_ENFORCED.includes(sc.provisioner))
    return {
      ok: false,
      reason: `StorageClass "${sc.name}" uses ${sc.provisioner}, whose volumes are directories on the node: a PVC's size is not enforced, so it never fills up`,
    };
  return { ok: true };
}
