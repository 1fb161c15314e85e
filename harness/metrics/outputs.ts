import { errorMessage } from '../engine/errors.js';
import type { Journal } from '../engine/journal.js';
import { Pushgateway } from './pushgateway.js';
import { MetricsFile } from './textfile.js';

export interface MetricsOptions {
  /** --metrics <file> */
  metrics?: string;
  /** --pushgateway <url> */
  pushgateway?: string;
}

/**
 * The metrics destinations of one command (`run`, `report`). Opened before any drill starts, so a bad path or
 * an unreachable Pushgateway stops the command with nothing started. Publishing never throws: a drill's verdict
 * stands, the failure is printed and `failed` makes the command exit `error` unless something worse happened.
 */
export class MetricsOutputs {
  private _failed = false;

  private constructor(
    private readonly _file: MetricsFile | undefined,
    private readonly _gateway: Pushgateway | undefined,
  ) {}

  static async open(opts: MetricsOptions): Promise<MetricsOutputs> {
    return new MetricsOutputs(
      opts.metrics ? await MetricsFile.open(opts.metrics) : undefined,
      opts.pushgateway ? await Pushgateway.open(opts.pushgateway) : undefined,
    );
  }

  get failed(): boolean {
    return this._failed;
  }

  /** Writes and pushes the runs; prints `metrics: <file>` and `pushgateway: <group>` lines, errors to stderr. */
  async publish(journals: Journal[], indent = ''): Promise<void> {
    if (!journals.length) return;
    if (this._file)
      await this._attempt(async () => {
        await this._file!.write(journals);
        process.stdout.write(`${indent}metrics: ${this._file!.path}\n`);
      });
    if (this._gateway)
      await this._attempt(async () => {
        for (const group of await this._gateway!.push(journals))
          process.stdout.write(`${indent}pushgateway: ${group}\n`);
      });
  }

  private async _attempt(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this._failed = true;
      process.stderr.write(`drdrill: ${errorMessage(err)}\n`);
    }
  }
}
