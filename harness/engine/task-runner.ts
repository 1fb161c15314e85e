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
  /** The step an abort cut short: it may still be creating resources (a container, a process). */
  private _cutShort?: { title: string; settled: Promise<unknown> };

  constructor(private readonly _signal: AbortSignal) {}

  /** Adds a teardown step (e.g. for a process just started); the newest runs first. */
  addTeardown(title: string, fn: () => Promise<void>): void {
    this._teardowns.unshift({ title, fn });
  }

  async run(tasks: Task[]): Promise<TaskRunResult> {
    for (const task of tasks) {
      if (this._signal.aborted) return { ...abortResult(this._signal), at: task.title };
      const running = task.run();
      try {
        await raceAbort(running, this._signal);
      } catch (error) {
        if (this._signal.aborted) this._cutShort = { title: task.title, settled: running.catch(() => undefined) };
        if (error instanceof Interruption) return { status: error.kind, error, at: task.title };
        return { status: 'failed', error, at: task.title };
      }
    }
    return { status: 'passed' };
  }

  /**
   * Runs every queued teardown, newest first; a failing one does not stop the others. A step cut short by an
   * abort gets up to `settleSeconds` to let go first: a container it was creating when Ctrl-C came is created
   * after all, and its teardown must see it.
   */
  async runTeardowns(onError: (title: string, err: unknown) => void, settleSeconds = 60): Promise<void> {
    const cutShort = this._cutShort;
    this._cutShort = undefined;
    if (cutShort) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        cutShort.settled.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), settleSeconds * 1000))),
      ]);
      clearTimeout(timer);
      if (gaveUp)
        onError(
          `wait for "${cutShort.title}" to stop`,
          new Error(`still running ${settleSeconds} s after the abort; tearing down what it registered so far`),
        );
    }
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
