import { z } from 'zod';
import { DrillError } from '../../../engine/errors.js';
import { defineRecovery } from '../../../recoveries/types.js';
import type { KubernetesEnvironment } from '../index.js';
import type { KubeInstance } from '../instance.js';
import type { ClaimObject } from '../volume.js';

/**
 * The seed's Scenario 3 (Disk Full, PVC at capacity): expand the PVC (a merge patch of its storage request),
 * wait for FileSystemResizePending to clear and the filesystem in the pod to grow, restart PostgreSQL if the
 * full disk took it down, then let verification run. Scenario fields: none beyond the disk-full fault's
 * `target` and `growToMB` (default: twice the size).
 */
export const expandVolumeSpec = z.strictObject({ procedure: z.literal('expand-volume') });

export const expandVolume = defineRecovery<z.output<typeof expandVolumeSpec>>({
  title: 'expanding the full PVC',
  validate: (_spec, scenario) => [
    ...(scenario.fault?.type === 'disk-full' ? [] : ['expand-volume recovers only from fault type "disk-full"']),
    ...(scenario.environment.kind === 'kubernetes'
      ? []
      : ['expand-volume needs environment.kind: kubernetes (elsewhere: grow-volume)']),
  ],
  async recover(ctx) {
    const fault = ctx.scenario.fault;
    if (fault?.type !== 'disk-full') throw new DrillError('error', 'expand-volume needs a disk-full fault');
    const env = ctx.env as KubernetesEnvironment;
    const primary = ctx.primary as KubeInstance;
    const volume = fault.target === 'wal' ? primary.walVolume : primary.volume;
    if (!volume || !('claim' in volume))
      throw new DrillError('error', `${primary.name} has no ${fault.target} PVC to expand`);
    const claim = String(volume.claim);
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: env.namespace, name: claim };
    const before = await env.cluster.get<ClaimObject>(ref);
    const fsBefore = await primary.filesystemMB(volume.path);
    const from = volume.sizeMB;
    const to = fault.growToMB ?? from * 2;
    await volume.grow(to);
    ctx.rto.mark('expand-pvc');
    const after = await env.cluster.get<ClaimObject>(ref);
    const fsAfter = await primary.filesystemMB(volume.path);
    ctx.recorder.check({
      name: `PVC ${claim} expanded and its filesystem grown in the pod`,
      status: fsAfter >= to * 0.9 ? 'passed' : 'failed',
      ...(fsAfter >= to * 0.9 ? {} : { message: `the filesystem is ${fsAfter} MB after expanding to ${to} Mi` }),
      evidence: {
        command: `PATCH PersistentVolumeClaim ${claim} spec.resources.requests.storage=${to}Mi (merge patch)`,
        expected: `capacity ${to}Mi, no FileSystemResizePending, df >= ${Math.round(to * 0.9)} MB`,
        actual: `capacity ${before?.status?.capacity?.storage ?? '?'} -> ${after?.status?.capacity?.storage ?? '?'}; df ${fsBefore} MB -> ${fsAfter} MB; conditions ${JSON.stringify(after?.status?.conditions ?? [])}`,
      },
    });
    ctx.recorder.event('recover', `expanded PVC ${claim} from ${from} Mi to ${to} Mi`);
    if (!(await primary.isRunning())) {
      await primary.start();
      ctx.rto.mark('restart');
      ctx.recorder.event('recover', `restarted ${primary.name} after the full disk stopped it (crash recovery)`);
    }
    return { claim, fromMi: from, toMi: to, filesystemMB: { before: fsBefore, after: fsAfter } };
  },
});
