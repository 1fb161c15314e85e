import { abortError } from '../util/retry.js';

/**
 * Runs steps in order against an abort signal, and keeps a stack of teardowns that resources register as
 * they are created (LIFO), so every teardown still runs after a failure, an interrupt or a deadline.
 */
export interface Task {
  title: string;
  run: () => Promise<void>;
}

export type TaskOutcome = 'passed' | 'failed' | 'interrupted' | 'timedout';

export interface TaskRunResult {
  status: TaskOutcome;
  error?: unknown;
  /** Title of the task that failed or was cut short. */
  at?: string;
}

export class Interruption extends Error {
  constructor(
    readonly kind: 'interrupted' | 'timedout',
    message: string,
  ) {
    super(message);
    this.name = 'Interruption';
  }
}

export class TaskRunner {
  private readonly _teardowns: { title: string; fn: () => Promise<void> }[] = [];

  constructor(private readonly _signal: AbortSignal) {}

  /** Adds a teardown step (e.g. for a process just started); the newest runs first. */
  addTeardown(title: string, fn: () => Promise<void>): void {
    this._teardowns.unshift({ title, fn });
  }

  /**
   * Runs the tasks in order. When the signal aborts one, it returns at once, but only after `onInterrupt`
   * (which stops the task's tools) and after the cut-short task has settled (or `settleMs` passed): its
   * code must not go on creating files or starting processes while the teardowns remove them.
   */
  async run(
    tasks: Task[],
    opts: { onInterrupt?: () => Promise<void>; settleMs?: number } = {},
  ): Promise<TaskRunResult> {
    for (const task of tasks) {
      if (this._signal.aborted) return { ...abortResult(this._signal), at: task.title };
      const running = task.run();
      try {
        await raceAbort(running, this._signal);
      } catch (error) {
        if (this._signal.aborted) {
          await opts.onInterrupt?.().catch(() => {});
          await settle(running, opts.settleMs ?? 0);
        }
        if (error instanceof Interruption) return { status: error.kind, error, at: task.title };
        return { status: 'failed', error, at: task.title };
      }
    }
    return { status: 'passed' };
  }

  /** Runs every queued teardown, newest first; a failing one does not stop the others. */
  async runTeardowns(onError: (title: string, err: unknown) => void): Promise<void> {
    while (this._teardowns.length) {
      const { title, fn } = this._teardowns.shift()!;
      try {
        await fn();
      } catch (err) {
        onError(title, err);
      }
    }
  }
}

function settle(running: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    running.catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

function abortResult(signal: AbortSignal): TaskRunResult {
  const reason = abortError(signal);
  return reason instanceof Interruption
    ? { status: reason.kind, error: reason }
    : { status: 'interrupted', error: reason };
}

export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
