import type { PhaseName, PhaseRecord, Verdict } from '../engine/journal.js';

const ICON: Record<string, string> = {
  passed: '✔',
  failed: '✘',
  error: '✘',
  skipped: '-',
  interrupted: '■',
  timedout: '⏱',
};

/**
 * Phase progress of one or more drills running at the same time. On a TTY: finished phases scroll above a live
 * region with one ticking line per running drill. Under CI or when piped: plain lines, each starting with the
 * drill's name, so interleaved drills stay readable.
 */
export class Progress {
  private readonly _tty: boolean;
  private readonly _running = new Map<string, { phase: PhaseName; t0: number }>();
  private _drawn = 0;
  private _timer?: NodeJS.Timeout;

  constructor(private readonly _out: NodeJS.WriteStream = process.stdout) {
    this._tty = !!_out.isTTY && !process.env.CI;
  }

  phase(drill: string, phase: PhaseName, state: 'begin' | 'end', record?: PhaseRecord): void {
    if (state === 'begin') {
      if (!this._tty) return void this._out.write(`${drill} › ${phase} …\n`);
      this._running.set(drill, { phase, t0: performance.now() });
      this._timer ??= setInterval(() => this._draw(), 200);
      this._draw();
      return;
    }
    this._running.delete(drill);
    const line = `${ICON[record?.status ?? 'passed'] ?? '?'} ${drill} › ${phase} ${record?.seconds.toFixed(2)}s${record?.error ? ` — ${record.error}` : ''}`;
    this.log(this._tty ? `  ${line}` : line);
  }

  verdict(drill: string, verdict: Verdict, reason?: string): void {
    this.log(`${ICON[verdict] ?? '?'} ${drill}: ${verdict.toUpperCase()}${reason ? ` — ${reason}` : ''}`);
  }

  /** A line printed above the running drills' lines. */
  log(line: string): void {
    if (!this._tty) return void this._out.write(`${line}\n`);
    this._clear();
    this._out.write(`${line}\n`);
    this._draw();
  }

  stop(): void {
    if (this._timer) clearInterval(this._timer);
    this._timer = undefined;
    if (this._tty) this._clear();
    this._running.clear();
  }

  private _clear(): void {
    // Back to the first line of the live region, then erase to the end of the screen.
    if (this._drawn) this._out.write(`\x1b[${this._drawn}F\x1b[J`);
    this._drawn = 0;
  }

  private _draw(): void {
    this._clear();
    const width = Math.max(20, (this._out.columns || 80) - 1);
    for (const [drill, { phase, t0 }] of this._running) {
      // Cut to the terminal's width: a wrapped line would break the count of lines to erase.
      const line = `  ${drill} › ${phase} ${((performance.now() - t0) / 1000).toFixed(1)}s`;
      this._out.write(`${line.slice(0, width)}\n`);
    }
    this._drawn = this._running.size;
    if (!this._running.size && this._timer) {
      clearInterval(this._timer);
      this._timer = undefined;
    }
  }
}
