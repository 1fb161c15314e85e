import type { Ack, FailedWrite } from '../ledger/ledger-writer.js';
import type { LedgerSummary, RpoMeasurements } from '../engine/journal.js';
import { round } from '../engine/recorder.js';

export interface RpoInput {
  acks: Ack[];
  /** Ledger seqs present in the recovered database. */
  present: Set<number>;
  /**
   * For PITR: wall-clock epoch ms of the recovery target. A missing write acknowledged before it was
   * meant to be saved; one acknowledged after it may be discarded on purpose.
   */
  targetAt?: number;
}

/** Acknowledged writes missing after recovery, from the client's own record of what was acknowledged. */
export function computeRpo({ acks, present, targetAt }: RpoInput): RpoMeasurements {
  const lost = acks.filter((a) => !present.has(a.seq));
  const out: RpoMeasurements = {
    lostAckedWrites: lost.length,
    lostSeconds: lost.length > 1 ? round((lost.at(-1)!.ackAt - lost[0]!.ackAt) / 1000) : 0,
  };
  if (lost.length) {
    out.firstLostSeq = lost[0]!.seq;
    out.lastLostSeq = lost.at(-1)!.seq;
  }
  if (targetAt !== undefined) {
    // Strictly before: an ack in the same millisecond as the target may belong to a later commit.
    out.lostBeforeTarget = lost.filter((a) => a.ackAt < targetAt).length;
    out.discardedAfterTarget = lost.length - out.lostBeforeTarget;
  }
  return out;
}

export function summariseLedger(acks: Ack[], failures: FailedWrite[]): LedgerSummary {
  const buckets = new Map<number, number>();
  for (const a of acks) {
    const s = Math.floor(a.ackAt / 1000);
    buckets.set(s, (buckets.get(s) ?? 0) + 1);
  }
  const perSecond: [number, number][] = [];
  if (acks.length) {
    const first = Math.floor(acks[0]!.ackAt / 1000);
    const last = Math.floor(acks.at(-1)!.ackAt / 1000);
    for (let s = first; s <= last; s++) perSecond.push([s, buckets.get(s) ?? 0]);
  }
  return {
    acked: acks.length,
    failedAttempts: failures.length,
    ambiguous: failures.filter((f) => f.ambiguous).length,
    ...(acks.length
      ? { firstAckAt: new Date(acks[0]!.ackAt).toISOString(), lastAckAt: new Date(acks.at(-1)!.ackAt).toISOString() }
      : {}),
    perSecond,
    outages: outages(acks, failures),
  };
}

/** Spans from the first failed write to the next acknowledged one. */
function outages(acks: Ack[], failures: FailedWrite[]): LedgerSummary['outages'] {
  const out: LedgerSummary['outages'] = [];
  let i = 0;
  const sortedFailures = [...failures].sort((a, b) => a.at - b.at);
  while (i < sortedFailures.length) {
    const start = sortedFailures[i]!;
    const nextAck = acks.find((a) => a.ackAt > start.at);
    out.push({
      from: new Date(start.at).toISOString(),
      to: nextAck ? new Date(nextAck.ackAt).toISOString() : null,
      seconds: nextAck ? round((nextAck.ackAt - start.at) / 1000) : null,
      error: start.error,
    });
    if (!nextAck) break;
    while (i < sortedFailures.length && sortedFailures[i]!.at < nextAck.ackAt) i++;
  }
  return out;
}
