import { round } from '../engine/recorder.js';
import { now } from '../util/clock.js';

/**
 * Recovery time as contiguous segments from the fault onwards: each mark closes the segment that began
 * where the previous one ended, so the segments add up to the total by construction.
 */
export class RtoTimeline {
  private readonly _segments: { name: string; from: number; to: number }[] = [];
  private _origin?: number;

  get origin(): number | undefined {
    return this._origin;
  }
  get last(): number | undefined {
    return this._segments.at(-1)?.to ?? this._origin;
  }

  /** The fault's wall-clock time (epoch ms). */
  start(at: number): void {
    this._origin = at;
  }

  /** Closes a segment at `at` (epoch ms on the monotonic clock, default now); a time before the previous mark is clamped to it. */
  mark(name: string, at: number = now()): void {
    const from = this.last;
    if (from === undefined) return;
    this._segments.push({ name, from, to: Math.max(at, from) });
  }

  secondsUntil(at: number): number | undefined {
    return this._origin === undefined ? undefined : round((at - this._origin) / 1000);
  }

  segments(): { name: string; seconds: number; start: string; end: string }[] {
    return this._segments.map((s) => ({
      name: s.name,
      seconds: round((s.to - s.from) / 1000),
      start: new Date(s.from).toISOString(),
      end: new Date(s.to).toISOString(),
    }));
  }
}
