import { describe, expect, it } from 'vitest';
import type { Ack, RowChange } from '../workload/writes.js';
import { lostWrites, rpoMeasurements, summariseLedger } from './rpo.js';
import { serviceOutage } from './service.js';
import type { Survival } from './survival.js';

/** Write n: acked at 1_000_000 + n*500 ms (2 writes/s), ledger row inserted at WAL position 0/n00. */
function ack(seq: number, changes: RowChange[] = [], target = 0): Ack {
  return {
    seq,
    ackAt: 1_000_000 + seq * 500,
    sentAt: 1_000_000 + seq * 500 - 3,
    target,
    txid: String(700 + seq),
    lsn: `0/${(seq * 0x100).toString(16).toUpperCase()}`,
    serverAt: 1_000_000 + seq * 500 - 1,
    kind: changes.length ? 'new-order' : 'ledger',
    changes,
  };
}

const order = (key: string, witness = `w${key}`): RowChange => ({
  table: 'orders',
  key,
  op: 'insert',
  witness: { column: 'created_at', value: witness },
});
const status = (key: string, value: string): RowChange => ({
  table: 'orders',
  key,
  op: 'update',
  witness: { column: 'created_at', value: `w${key}` },
  column: 'status',
  value,
});

function survival(ledger: number[], orders: Record<string, { created_at: string; status?: string }> = {}): Survival {
  return {
    ledger: new Set(ledger),
    rows: new Map([['orders', new Map(Object.entries(orders).map(([k, v]) => [k, { status: 'pending', ...v }]))]]),
    unreadable: {},
  };
}

describe('lost writes, from the acknowledgements and what survived', () => {
  it('a write whose ledger row survived but whose inserted row did not is lost in that table only', () => {
    const acks = [ack(1, [order('10')]), ack(2, [order('11')]), ack(3)];
    const lost = lostWrites(acks, survival([1, 2, 3], { '10': { created_at: 'w10' } }));
    expect(lost.map((l) => [l.ack.seq, l.tables])).toEqual([[2, ['orders']]]);
    const rpo = rpoMeasurements(acks, lost);
    expect(rpo.lostAckedWrites).toBe(1);
    expect(rpo.tables).toEqual({ drdrill_ledger: { acked: 3, lost: 0 }, orders: { acked: 2, lost: 1 } });
  });

  it("a row with the same key but another write's witness is not the acknowledged row (keys reused after PITR)", () => {
    const acks = [ack(1, [order('10', 'first')])];
    expect(lostWrites(acks, survival([1], { '10': { created_at: 'someone else' } }))).toHaveLength(1);
    expect(lostWrites(acks, survival([1], { '10': { created_at: 'first' } }))).toHaveLength(0);
  });

  it('an update is lost when the row holds an earlier value; a later update overwriting it is not a loss', () => {
    const acks = [ack(1, [order('10')]), ack(2, [status('10', 'paid')]), ack(3, [status('10', 'shipped')])];
    const keptPaid = lostWrites(acks, survival([1, 2, 3], { '10': { created_at: 'w10', status: 'paid' } }));
    expect(keptPaid.map((l) => l.ack.seq)).toEqual([3]);
    const keptShipped = lostWrites(acks, survival([1, 2, 3], { '10': { created_at: 'w10', status: 'shipped' } }));
    expect(keptShipped).toEqual([]);
  });

  it('splits losses at the recovery point by commit position, and a write straddling it is not promised', () => {
    const acks = [1, 2, 3, 4, 5].map((n) => ack(n));
    // Write 3's commit lies between its insert (0/300) and write 4's insert (0/400); the point is 0/350.
    const point = { lsn: '0/350', description: 'test' };
    const lost = lostWrites(acks, survival([1]), point);
    expect(lost.map((l) => [l.ack.seq, l.beforePoint])).toEqual([
      [2, true],
      [3, false],
      [4, false],
      [5, false],
    ]);
    expect(rpoMeasurements(acks, lost, point)).toMatchObject({ lostBeforeTarget: 1, discardedAfterTarget: 3 });
  });

  it('a point limited to the restored tables promises every write to the others', () => {
    const acks = [ack(1, [order('10')]), ack(2)];
    const point = { lsn: '0/0', description: 'dump', tables: ['payments'] };
    const lost = lostWrites(acks, survival([1]), point);
    expect(lost.map((l) => [l.ack.seq, l.beforePoint])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('lostSeconds runs from the last surviving write before the loss: one lost write at 2 writes/s is 0.5 s', () => {
    const acks = [1, 2, 3].map((n) => ack(n));
    const lost = lostWrites(acks, survival([1, 2]));
    expect(rpoMeasurements(acks, lost)).toMatchObject({ lostAckedWrites: 1, lostSeconds: 0.5, firstLostSeq: 3 });
  });

  it('reports nothing lost when every acknowledged write is present', () => {
    const acks = [1, 2].map((n) => ack(n));
    expect(rpoMeasurements(acks, lostWrites(acks, survival([1, 2])))).toMatchObject({
      lostAckedWrites: 0,
      lostSeconds: 0,
    });
  });
});

describe('service outage', () => {
  const acks = [1, 2, 3, 4, 5, 6].map((n) => ack(n));
  it('is none, and 0 s, when no write failed after the fault', () => {
    expect(serviceOutage(acks, [], 1_001_200)).toEqual({ serviceSeconds: 0, outage: 'none' });
    const before = [{ seq: 0, at: 1_000_100, target: 0, kind: 'ledger', error: 'x', ambiguous: false }];
    expect(serviceOutage(acks, before, 1_001_200)).toEqual({ serviceSeconds: 0, outage: 'none' });
  });

  it('runs from the fault to the first write acknowledged after the last failure', () => {
    const failures = [1_001_700, 1_002_100].map((at) => ({
      seq: 0,
      at,
      target: 0,
      kind: 'new-order',
      error: 'relation "payments" does not exist',
      ambiguous: false,
    }));
    // Fault at 1_001_200; writes 4 (1_002_000) and 5 (1_002_500) were acknowledged; 5 is the first after the last failure.
    expect(serviceOutage(acks, failures, 1_001_200)).toEqual({
      serviceSeconds: 1.3,
      outage: {
        from: new Date(1_001_700).toISOString(),
        to: new Date(1_002_500).toISOString(),
        seconds: 0.8,
        failedWrites: 2,
        error: 'relation "payments" does not exist',
      },
    });
  });
});

describe('ledger summary', () => {
  it('buckets writes per second and finds outages', () => {
    const acks = [1, 2, 3, 4, 5].map((n) => ack(n));
    const s = summariseLedger(acks, [
      { seq: 9, at: 1_001_250, target: 0, kind: 'ledger', error: 'Connection terminated', ambiguous: true },
    ]);
    expect(s.acked).toBe(5);
    expect(s.ambiguous).toBe(1);
    expect(s.perSecond).toEqual([
      [1000, 1],
      [1001, 2],
      [1002, 2],
    ]);
    expect(s.outages).toEqual([
      {
        from: new Date(1_001_250).toISOString(),
        to: new Date(1_001_500).toISOString(),
        seconds: 0.25,
        error: 'Connection terminated',
      },
    ]);
  });
});

describe('lostSeconds with nothing surviving before the loss', () => {
  it('counts one typical write interval for the first lost write', () => {
    const acks = [1, 2, 3].map((n) => ack(n));
    expect(rpoMeasurements(acks, lostWrites(acks, survival([]))).lostSeconds).toBe(1.5);
  });
});

describe('while the writer is still running', () => {
  it('a value no listed write set comes from a newer write, not a loss; going back to an earlier value is', () => {
    const acks = [ack(1, [order('10')]), ack(2, [status('10', 'paid')])];
    const newer = survival([1, 2], { '10': { created_at: 'w10', status: 'shipped' } });
    expect(lostWrites(acks, newer, undefined, { writerRunning: true })).toEqual([]);
    expect(lostWrites(acks, newer).map((l) => l.ack.seq)).toEqual([2]);
    const back = [...acks, ack(3, [status('10', 'shipped')])];
    const reverted = survival([1, 2, 3], { '10': { created_at: 'w10', status: 'paid' } });
    expect(lostWrites(back, reverted, undefined, { writerRunning: true }).map((l) => l.ack.seq)).toEqual([3]);
  });
});
