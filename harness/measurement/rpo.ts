import type { LedgerSummary, RpoMeasurements } from '../engine/journal.js';
import { round } from '../engine/recorder.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import type { Ack, FailedWrite, RowChange } from '../workload/writes.js';
import { lsnToNumber } from '../wal/segments.js';
import type { RecoveryPoint } from './recovery-point.js';
import { rowOf, type Survival } from './survival.js';

/** An acknowledged write with changes missing after recovery, and the tables they were in. */
export interface LostWrite {
  ack: Ack;
  tables: string[];
  /** Provably committed before the recovery point, so the recovery should have kept it. */
  beforePoint: boolean;
}

/**
 * Acknowledged writes missing after recovery, from the writer's own record of what the server acknowledged
 * and what the database holds now. A write counts as lost when any change it made is missing: its ledger
 * row, a row it inserted, or a value it set that was not overwritten by a later acknowledged write.
 */
export function lostWrites(
  acks: readonly Ack[],
  survival: Survival,
  point?: RecoveryPoint,
  opts: { writerRunning?: boolean } = {},
): LostWrite[] {
  const missingUpdates = missingUpdateSeqs(acks, survival, opts.writerRunning ?? false);
  const upperBound = commitUpperBounds(acks);
  const lost: LostWrite[] = [];
  for (const ack of acks) {
    const tables = new Set<string>();
    if (!survival.ledger.has(ack.seq)) tables.add(LEDGER_TABLE);
    for (const ch of ack.changes) {
      if (!rowOf(survival, ch) || (ch.op === 'update' && missingUpdates.has(`${ack.seq}:${ch.table}:${ch.key}`)))
        tables.add(ch.table);
    }
    if (!tables.size) continue;
    lost.push({ ack, tables: [...tables], beforePoint: promised(ack, [...tables], upperBound, point) });
  }
  return lost;
}

/**
 * Whether the recovery promised to keep a lost write: with no recovery point, every write; otherwise a write
 * whose commit is provably before the point (its commit precedes the next write's insert on the same
 * server), or whose loss is in a table the point does not cover.
 */
function promised(ack: Ack, tables: string[], upperBound: Map<number, bigint>, point?: RecoveryPoint): boolean {
  if (!point) return true;
  if (point.tables && tables.some((t) => !point.tables!.includes(t))) return true;
  const bound = upperBound.get(ack.seq);
  return bound !== undefined && bound <= lsnToNumber(point.lsn);
}

/** Per write: the insert LSN of the next acknowledged write on the same target, which its commit precedes. */
function commitUpperBounds(acks: readonly Ack[]): Map<number, bigint> {
  const out = new Map<number, bigint>();
  const byTarget = new Map<number, Ack[]>();
  for (const a of acks) byTarget.set(a.target, [...(byTarget.get(a.target) ?? []), a]);
  for (const list of byTarget.values()) {
    const sorted = [...list].sort((a, b) => a.seq - b.seq);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const next = sorted[i + 1]!.lsn;
      if (next && next !== 'undefined') out.set(sorted[i]!.seq, lsnToNumber(next));
    }
  }
  return out;
}

/**
 * Updates whose value is gone: the row holds the value of an earlier write, or another value. While the
 * writer is still running, a value no listed write set may come from a write acknowledged after the list
 * was taken, so only a row that went back to an earlier value counts.
 */
function missingUpdateSeqs(acks: readonly Ack[], survival: Survival, writerRunning: boolean): Set<string> {
  const byRow = new Map<string, { seq: number; value: string | undefined; change: RowChange }[]>();
  for (const a of acks)
    for (const ch of a.changes)
      if (ch.op === 'update' && ch.column) {
        // Keys are handed out again after a failover or PITR: a row is its key and its witness.
        const k = `${ch.table}:${ch.key}:${ch.column}:${ch.witness?.value ?? ''}`;
        byRow.set(k, [...(byRow.get(k) ?? []), { seq: a.seq, value: ch.value, change: ch }]);
      }
  const missing = new Set<string>();
  for (const updates of byRow.values()) {
    const { table, key, column } = updates[0]!.change as RowChange & { column: string };
    const row = rowOf(survival, updates[0]!.change);
    const current = row?.[column] ?? undefined;
    updates.sort((a, b) => a.seq - b.seq);
    let kept = -1;
    for (let i = updates.length - 1; i >= 0; i--)
      if (row && updates[i]!.value === current) {
        kept = i;
        break;
      }
    if (kept < 0 && row && writerRunning && !updates.some((u) => u.value === current)) continue;
    updates.slice(kept + 1).forEach((u) => missing.add(`${u.seq}:${table}:${key}`));
  }
  return missing;
}

/** The RPO figures of the journal, from the lost writes. */
export function rpoMeasurements(acks: readonly Ack[], lost: LostWrite[], point?: RecoveryPoint): RpoMeasurements {
  const out: RpoMeasurements = { lostAckedWrites: lost.length, lostSeconds: lostSpan(acks, lost) };
  if (lost.length) {
    out.firstLostSeq = lost[0]!.ack.seq;
    out.lastLostSeq = lost.at(-1)!.ack.seq;
  }
  if (point) {
    out.lostBeforeTarget = lost.filter((l) => l.beforePoint).length;
    out.discardedAfterTarget = lost.length - out.lostBeforeTarget;
    out.recoveryPoint = {
      lsn: point.lsn,
      description: point.description,
      ...(point.tables ? { tables: point.tables } : {}),
    };
  }
  const tables: NonNullable<RpoMeasurements['tables']> = {};
  const touch = (t: string) => (tables[t] ??= { acked: 0, lost: 0, ...(point ? { lostBeforeTarget: 0 } : {}) });
  for (const a of acks) {
    touch(LEDGER_TABLE).acked++;
    for (const t of new Set(a.changes.map((c) => c.table))) touch(t).acked++;
  }
  for (const l of lost)
    for (const t of l.tables) {
      const entry = touch(t);
      entry.lost++;
      if (point && l.beforePoint) entry.lostBeforeTarget = (entry.lostBeforeTarget ?? 0) + 1;
    }
  out.tables = tables;
  return out;
}

/**
 * From the last surviving acknowledged write before the loss to the last lost one: one lost write at 2
 * writes/s reads about 0.5 s, never 0. With nothing surviving before it, from one typical write interval
 * before the first lost write.
 */
function lostSpan(acks: readonly Ack[], lost: LostWrite[]): number {
  if (!lost.length) return 0;
  const lostSeqs = new Set(lost.map((l) => l.ack.seq));
  const first = lost.reduce((a, b) => (b.ack.ackAt < a.ack.ackAt ? b : a)).ack;
  const last = lost.reduce((a, b) => (b.ack.ackAt > a.ack.ackAt ? b : a)).ack;
  const survivor = acks.filter((a) => !lostSeqs.has(a.seq) && a.ackAt < first.ackAt).at(-1);
  return round((last.ackAt - (survivor?.ackAt ?? first.ackAt - typicalInterval(acks))) / 1000);
}

/** The median time between consecutive acknowledgements. */
function typicalInterval(acks: readonly Ack[]): number {
  const gaps = acks
    .slice(1)
    .map((a, i) => a.ackAt - acks[i]!.ackAt)
    .sort((x, y) => x - y);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

export function summariseLedger(acks: readonly Ack[], failures: readonly FailedWrite[]): LedgerSummary {
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
function outages(acks: readonly Ack[], failures: readonly FailedWrite[]): LedgerSummary['outages'] {
  const out: LedgerSummary['outages'] = [];
  let i = 0;
  const sorted = [...failures].sort((a, b) => a.at - b.at);
  while (i < sorted.length) {
    const start = sorted[i]!;
    const nextAck = acks.find((a) => a.ackAt > start.at);
    out.push({
      from: new Date(start.at).toISOString(),
      to: nextAck ? new Date(nextAck.ackAt).toISOString() : null,
      seconds: nextAck ? round((nextAck.ackAt - start.at) / 1000) : null,
      error: start.error,
    });
    if (!nextAck) break;
    while (i < sorted.length && sorted[i]!.at < nextAck.ackAt) i++;
  }
  return out;
}
