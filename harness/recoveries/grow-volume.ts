import { DrillError } from '../engine/errors.js';
import type { RecoveryDefinition } from './types.js';

/** The local counterpart of expanding the PVC: grow the full volume, restart PostgreSQL if it died. */
export const growVolume: RecoveryDefinition = {
  procedure: 'grow-volume',
  validate: (_spec, scenario) =>
    scenario.fault?.type === 'disk-full' ? [] : ['grow-volume recovers only from fault type "disk-full"'],
  async recover(ctx) {
    const fault = ctx.scenario.fault;
    if (fault?.type !== 'disk-full') throw new DrillError('error', 'grow-volume needs a disk-full fault');
    const volume = fault.target === 'wal' ? ctx.primary.walVolume : ctx.primary.volume;
    if (!volume) throw new DrillError('error', `the primary has no size-limited ${fault.target} volume to grow`);
    const from = volume.sizeMB;
    await volume.grow(fault.growToMB ?? from * 4);
    ctx.rto.mark('grow-volume');
    ctx.recorder.event('recover', `grew the ${fault.target} volume from ${from} MB to ${volume.sizeMB} MB`);
    if (!(await ctx.primary.isRunning())) {
      await ctx.primary.start();
      ctx.rto.mark('restart');
      ctx.recorder.event('recover', `restarted ${ctx.primary.name} after the PANIC (crash recovery)`);
    }
    ctx.recorder.measure('recovery', {
      procedure: 'grow-volume',
      fromMB: from,
      toMB: volume.sizeMB,
      restarted: ctx.facts.postmasterDied === true,
    });
  },
};
