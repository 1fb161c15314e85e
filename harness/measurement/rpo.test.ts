import { describe, expect, it } from 'vitest';
import { computeRpo, summariseLedger } from './rpo.js';

const acks = [1, 2, 3, 4, 5].map((seq) => ({
  seq,
  ackAt: 1_000_000 + seq * 100,
  sentAt: 1_000_000 + seq * 100 - 5,
  target: 0,
}));

describe('RPO from the ledger', () => {
  it('counts acknowledged writes missing after recovery and the time they span', () => {
    expect(computeRpo({ acks, present: new Set([1, 2, 3]) })).toEqual({
      lostAckedWrites: 2,
      lostSeconds: 0.1,
      firstLostSeq: 4,
      lastLostSeq: 5,
    });
  });

  it('reports nothing lost when every acknowledged write is present', () => {
    expect(computeRpo({ acks, present: new Set([1, 2, 3, 4, 5, 6]) })).toEqual({ lostAckedWrites: 0, lostSeconds: 0 });
  });

  it('splits PITR losses into writes before the target and writes discarded after it', () => {
    const rpo = computeRpo({ acks, present: new Set([1, 3]), targetAt: 1_000_300 });
    expect(rpo).toMatchObject({ lostAckedWrites: 3, lostBeforeTarget: 1, discardedAfterTarget: 2 });
  });

  it('buckets writes per second and finds outages', () => {
    const s = summariseLedger(acks, [
      { seq: 9, at: 1_000_250, target: 0, error: 'Connection terminated', ambiguous: true },
    ]);
    expect(s.acked).toBe(5);
    expect(s.ambiguous).toBe(1);
    expect(s.perSecond).toEqual([[1000, 5]]);
    expect(s.outages).toEqual([
      {
        from: new Date(1_000_250).toISOString(),
        to: new Date(1_000_300).toISOString(),
        seconds: 0.05,
        error: 'Connection terminated',
      },
    ]);
  });
});
