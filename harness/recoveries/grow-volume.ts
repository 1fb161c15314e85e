import { z } from 'zod';
import { DrillError } from '../engine/errors.js';
import { waitUntilAccepting } from '../environments/wait-ready.js';
import { defineRecovery } from './types.js';

export const growVolumeSpec = z.strictObject({ procedure: z.literal('grow-volume') });

/** The local counterpart of expanding the PVC: grow the full volume, restart PostgreSQL if it died. */
export const growVolume = defineRecovery<z.output<typeof growVolumeSpec>>({
  title: 'growing the full volume',
  validate: (_spec, scenario) =>
    scenario.fault?.type === 'disk-full' ? [] : ['grow-volume recovers only from fault type "disk-full"'],
  async recover(drill) {
    const fault = drill.scenario.fault;
    if (fault?.type !== 'disk-full') throw new DrillError('error', 'grow-volume needs a disk-full fault');
    const volume = fault.target === 'wal' ? drill.primary.walVolume : drill.primary.volume;
    if (!volume) throw new DrillError('error', `the primary has no size-limited ${fault.target} volume to grow`);
    const from = volume.sizeMB;
    await volume.grow(fault.growToMB ?? from * 4);
    drill.rto.mark('grow-volume');
    drill.recorder.event('recover', `grew the ${fault.target} volume from ${from} MB to ${volume.sizeMB} MB`);
    const restarted = !(await drill.primary.isRunning());
    if (restarted) {
      await drill.primary.start();
      drill.rto.mark('restart');
      drill.recorder.event('recover', `restarted ${drill.primary.name} after the PANIC (crash recovery)`);
    } else {
      // A postmaster that outlived a backend's PANIC runs crash recovery by itself: wait until it serves again.
      await waitUntilAccepting(drill.primary);
    }
    return { fromMB: from, toMB: volume.sizeMB, restarted };
  },
});
