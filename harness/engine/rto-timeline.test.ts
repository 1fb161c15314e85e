import { describe, expect, it } from 'vitest';
import { RtoTimeline } from './rto-timeline.js';

describe('RtoTimeline', () => {
  it('makes contiguous segments that add up to the total', () => {
    const t = new RtoTimeline();
    t.start(10_000);
    t.mark('detect', 10_250);
    t.mark('fetch-base-backup', 11_000);
    t.mark('replay-wal', 13_125);
    t.mark('reconnect', 12_000); // before the previous mark: clamped, never negative
    t.mark('verify', 14_000);
    const segs = t.segments();
    expect(segs.map((s) => [s.name, s.seconds])).toEqual([
      ['detect', 0.25],
      ['fetch-base-backup', 0.75],
      ['replay-wal', 2.125],
      ['reconnect', 0],
      ['verify', 0.875],
    ]);
    expect(segs.reduce((n, s) => n + s.seconds, 0)).toBeCloseTo(t.secondsUntil(14_000)!, 9);
  });
});
