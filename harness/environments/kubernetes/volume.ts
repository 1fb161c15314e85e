import { DrillError } from '../../engine/errors.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../../util/retry.js';
import type { VolumeHandle } from '../types.js';
import type { Cluster, KubeObject } from './cluster.js';
import { mebibytes, quantityBytes } from './manifests/types.js';

const RESIZE_MS = 300_000;

export interface ClaimObject extends KubeObject {
  spec?: { resources?: { requests?: { storage?: string } }; storageClassName?: string };
  status?: {
    phase?: string;
    capacity?: { storage?: string };
    conditions?: { type: string; status: string; message?: string }[];
  };
}

/**
 * A PVC as a growable volume: the seed's Scenario 3. Growing patches spec.resources.requests.storage (a JSON
 * merge patch), waits until the claim's capacity reaches it and the FileSystemResizePending condition has
 * cleared, then until the filesystem in the pod has grown.
 */
export function claimVolume(o: {
  cluster: Cluster;
  namespace: string;
  claim: string;
  path: string;
  sizeMB: number;
  filesystemMB: () => Promise<number>;
  logger: Logger;
}): VolumeHandle & { readonly claim: string } {
  let current = o.sizeMB;
  const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: o.namespace, name: o.claim };
  return {
    path: o.path,
    claim: o.claim,
    get sizeMB() {
      return current;
    },
    async grow(newSizeMB: number) {
      if (newSizeMB <= current)
        throw new DrillError('error', `PVC ${o.claim}: cannot grow from ${current} Mi to ${newSizeMB} Mi`);
      await o.cluster.mergePatch(ref, { spec: { resources: { requests: { storage: mebibytes(newSizeMB) } } } });
      const wanted = quantityBytes(mebibytes(newSizeMB));
      await o.cluster.watchUntil<ClaimObject>(ref, (pvc) => claimResized(pvc, wanted), {
        timeoutMs: RESIZE_MS,
        what: `PVC ${o.namespace}/${o.claim}: expansion to ${newSizeMB} Mi (capacity reached, FileSystemResizePending cleared)`,
      });
      // The kubelet grows the filesystem online; the claim can report it a moment before df does.
      const deadline = Date.now() + RESIZE_MS;
      let seen = await o.filesystemMB();
      while (seen < newSizeMB * 0.9 && Date.now() < deadline) {
        await sleep(500);
        seen = await o.filesystemMB();
      }
      if (seen < newSizeMB * 0.9)
        throw new DrillError(
          'error',
          `PVC ${o.claim} reports ${newSizeMB} Mi but the filesystem at ${o.path} in the pod is still ${seen} MB`,
        );
      o.logger.info(`PVC ${o.claim} grown from ${current} Mi to ${newSizeMB} Mi (filesystem ${seen} MB)`);
      current = newSizeMB;
    },
  };
}

export function claimResized(pvc: ClaimObject | undefined, wantedBytes: number): boolean {
  if (!pvc) throw new DrillError('error', 'the PVC was deleted while it was being expanded');
  const capacity = pvc.status?.capacity?.storage;
  const pending = pvc.status?.conditions?.some(
    (c) => (c.type === 'FileSystemResizePending' || c.type === 'Resizing') && c.status === 'True',
  );
  return !!capacity && quantityBytes(capacity) >= wantedBytes && !pending;
}
