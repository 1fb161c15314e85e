import { z } from 'zod';
import { defineBackup } from '../../../backups/types.js';
import { DrillError } from '../../../engine/errors.js';
import type { BackupRecord } from '../../../engine/journal.js';
import { SkipDrill } from '../../../engine/skip.js';
import type { PgInstance, StartedEnvironment } from '../../types.js';
import { withClient } from '../../../util/pg-client.js';
import type { KubernetesEnvironment } from '../index.js';
import type { KubeInstance } from '../instance.js';
import { volumeSnapshotManifest, type VolumeSnapshotManifest } from '../manifests/drill.js';
import { quantityBytes } from '../manifests/types.js';
import { dataClaimOf, dnsLabel } from '../names.js';

const READY_MS = 600_000;

export const volumeSnapshotSpec = z.strictObject({
  method: z.literal('volume-snapshot'),
  snapshotClass: z
    .string()
    .optional()
    .describe("default: environment.kubernetes.snapshotClass, else the default class of the PVC's CSI driver"),
});

/**
 * The seed's Strategy 1: a VolumeSnapshot of the primary's data PVC, after a CHECKPOINT so that crash
 * recovery from the snapshot replays little. The snapshot is crash-consistent, which is only enough when
 * pg_wal is on the same volume: a drill with pg_wal on its own PVC is refused.
 */
export const volumeSnapshot = defineBackup<z.output<typeof volumeSnapshotSpec>>({
  validate: (_spec, scenario) =>
    scenario.environment.kind === 'kubernetes' ? [] : ['volume-snapshot backups need environment.kind: kubernetes'],
  async take(drill, spec) {
    return [
      await takeVolumeSnapshot(drill.env, drill.primary, {
        runId: drill.runId,
        ...(spec.snapshotClass ? { snapshotClass: spec.snapshotClass } : {}),
      }),
    ];
  },
});

export async function takeVolumeSnapshot(
  env: StartedEnvironment,
  instance: PgInstance,
  opts: { runId: string; snapshotClass?: string; index?: number },
): Promise<BackupRecord> {
  const k8s = kubernetesOf(env);
  if (!k8s.facts.snapshots.ok) throw new SkipDrill(`this drill needs VolumeSnapshots: ${k8s.facts.snapshots.reason}`);
  const primary = instance as KubeInstance;
  if (primary.walVolume)
    throw new DrillError(
      'invalid-config',
      'a volume snapshot of the data PVC alone is not consistent when pg_wal is on its own PVC',
    );
  const startedAt = new Date();
  const name = dnsLabel(
    `${primary.statefulSet}-snap-${startedAt.getTime().toString(36)}${opts.index ? `-${opts.index}` : ''}`,
  );
  const lsn = await withClient(instance.connection('postgres'), async (c) => {
    await c.query('CHECKPOINT');
    return (
      await c.query<{ lsn: string; tli: string }>(
        `SELECT pg_current_wal_lsn()::text AS lsn, (SELECT timeline_id FROM pg_control_checkpoint())::text AS tli`,
      )
    ).rows[0]!;
  });
  const manifest = volumeSnapshotManifest(
    k8s.stamp,
    name,
    dataClaimOf(primary.statefulSet),
    opts.snapshotClass ?? k8s.facts.snapshots.className,
  );
  await k8s.cluster.apply(manifest);
  k8s.record(manifest);
  const ready = await k8s.cluster.watchUntil<VolumeSnapshotManifest>(
    { apiVersion: manifest.apiVersion, kind: manifest.kind, namespace: k8s.namespace, name },
    (s) => {
      if (s?.status?.error?.message)
        throw new DrillError('failed', `VolumeSnapshot ${name}: ${s.status.error.message}`);
      return s?.status?.readyToUse === true;
    },
    { timeoutMs: READY_MS, what: `VolumeSnapshot ${k8s.namespace}/${name} readyToUse` },
  );
  const size = ready?.status?.restoreSize;
  return {
    id: name,
    method: 'volume-snapshot',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    bytes: size ? quantityBytes(size) : 0,
    objects: [],
    startLsn: lsn.lsn,
    stopLsn: lsn.lsn,
    timeline: Number(lsn.tli),
    label: `VolumeSnapshot ${k8s.namespace}/${name} of PVC ${dataClaimOf(primary.statefulSet)}${ready?.status?.boundVolumeSnapshotContentName ? ` (content ${ready.status.boundVolumeSnapshotContentName})` : ''}`,
  };
}

/**
 * Restore: a new instance whose data PVC has the snapshot as dataSource, started with crash recovery. Its
 * WAL archiving is not configured here; a PITR from the snapshot adds restore_command and a target first.
 */
export async function restoreFromSnapshot(
  env: StartedEnvironment,
  opts: { instanceName: string; snapshot: string; settings?: Record<string, string | number | boolean> },
): Promise<PgInstance> {
  kubernetesOf(env);
  const instance = await env.createInstance({ name: opts.instanceName, initdb: false, fromSnapshot: opts.snapshot });
  // The snapshot holds the source pod's lock file; its PID means nothing in the new pod.
  await instance.removePath('postmaster.pid');
  await instance.adoptDataDirectory({ archive_mode: 'off', ...opts.settings });
  await instance.start();
  return instance;
}

function kubernetesOf(env: StartedEnvironment): KubernetesEnvironment {
  if (env.kind !== 'kubernetes')
    throw new DrillError('invalid-config', 'volume-snapshot backups need environment.kind: kubernetes');
  return env as KubernetesEnvironment;
}
