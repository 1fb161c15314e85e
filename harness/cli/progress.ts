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
 * Phase progress: a ticking line per phase on a TTY, plain lines under CI or when piped.
 */
export class Progress {
  private _timer?: NodeJS.Timeout;
  private readonly _tty: boolean;

  constructor(private readonly _out: NodeJS.WriteStream = process.stdout) {
    this._tty = !!_out.isTTY && !process.env.CI;
  }

  phase(drill: string, phase: PhaseName, state: 'begin' | 'end', record?: PhaseRecord): void {
    if (state === 'begin') {
      if (!this._tty) return void this._out.write(`${drill} › ${phase} …\n`);
      const t0 = performance.now();
      const draw = () =>
        this._out.write(`\r\x1b[2K  ${drill} › ${phase} ${((performance.now() - t0) / 1000).toFixed(1)}s`);
      draw();
      this._timer = setInterval(draw, 200);
      return;
    }
    if (this._timer) clearInterval(this._timer);
    this._timer = undefined;
    const line = `${ICON[record?.status ?? 'passed'] ?? '?'} ${drill} › ${phase} ${record?.seconds.toFixed(2)}s${record?.error ? ` — ${record.error}` : ''}`;
    this._out.write(this._tty ? `\r\x1b[2K  ${line}\n` : `${line}\n`);
  }

  verdict(drill: string, verdict: Verdict, reason?: string): void {
    this._out.write(`${ICON[verdict] ?? '?'} ${drill}: ${verdict.toUpperCase()}${reason ? ` — ${reason}` : ''}\n`);
  }

  stop(): void {
    if (this._timer) clearInterval(this._timer);
  }
}
