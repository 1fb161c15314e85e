import { now } from '../util/clock.js';
import { redactDeep } from '../util/logger.js';
import type { ArtifactRecord, BackupRecord, CheckRecord, JournalEvent, PhaseName } from './journal.js';

/** Collects what a drill observed; the engine turns it into the journal. */
export class Recorder {
  readonly events: JournalEvent[] = [];
  readonly checks: CheckRecord[] = [];
  readonly backups: BackupRecord[] = [];
  readonly artifacts: ArtifactRecord[] = [];
  readonly measurements: Record<string, unknown> = {};
  /** The phase running now; checks are stamped with it. */
  phase?: PhaseName;

  /** `origin`: epoch ms (monotonic clock) when the drill started. */
  constructor(private readonly _origin: number) {}

  event(kind: string, message: string, data?: Record<string, unknown>, at: number = now()): JournalEvent {
    const e: JournalEvent = {
      time: new Date(at).toISOString(),
      t: round((at - this._origin) / 1000),
      kind,
      message,
      ...(data ? { data: redactDeep(data) } : {}),
    };
    this.events.push(e);
    return e;
  }

  check(record: CheckRecord): CheckRecord {
    const r = redactDeep({ ...record, ...(this.phase && !record.phase ? { phase: this.phase } : {}) });
    this.checks.push(r);
    this.event('check', `${r.status}: ${r.name}${r.message ? ` — ${r.message}` : ''}`);
    return r;
  }

  /** Sets a measurement at a dotted path, e.g. measure('rto.serviceSeconds', 41.2). */
  measure(path: string, value: unknown): void {
    const parts = path.split('.');
    let node = this.measurements;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }

  get(path: string): unknown {
    let node: unknown = this.measurements;
    for (const p of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[p];
    return node;
  }
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
