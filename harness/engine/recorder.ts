import type { BackupRecord, CheckRecord, JournalEvent } from './journal.js';
import { redactDeep } from '../util/logger.js';

/** Collects what a drill observed; the engine turns it into the journal. */
export class Recorder {
  readonly events: JournalEvent[] = [];
  readonly checks: CheckRecord[] = [];
  readonly backups: BackupRecord[] = [];
  readonly artifacts: { name: string; path: string; description: string }[] = [];
  readonly measurements: Record<string, unknown> = {};

  constructor(
    private readonly _startMono: number,
    private readonly _onEvent?: (e: JournalEvent) => void,
  ) {}

  event(kind: string, message: string, data?: Record<string, unknown>, at: number = Date.now()): JournalEvent {
    const e: JournalEvent = {
      time: new Date(at).toISOString(),
      t: round((performance.now() - this._startMono) / 1000 - (Date.now() - at) / 1000),
      kind,
      message,
      ...(data ? { data: redactDeep(data) } : {}),
    };
    this.events.push(e);
    this._onEvent?.(e);
    return e;
  }

  check(record: CheckRecord): CheckRecord {
    const r = redactDeep(record);
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
