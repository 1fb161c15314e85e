import { describe, expect, it } from 'vitest';
import { RtoTimeline } from './rto-timeline.js';

describe('RtoTimeline', () => {
  it('makes contiguous segments from the fault, clamping a mark that comes before the previous one', () => {
    const t = new RtoTimeline();
    t.start(10_000);
    t.mark('detect', 10_250);
    t.mark('fetch-base-backup', 11_000);
    t.mark('replay-wal', 13_125);
    t.mark('check-paused', 12_000); // before the previous mark: clamped, never negative
    t.mark('verify', 14_000);
    const segs = t.segments();
    expect(segs.map((s) => [s.name, s.seconds])).toEqual([
      ['detect', 0.25],
      ['fetch-base-backup', 0.75],
      ['replay-wal', 2.125],
      ['check-paused', 0],
      ['verify', 0.875],
    ]);
    expect(t.secondsUntil(14_000)).toBe(4);
  });
});
