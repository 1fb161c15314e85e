/** Polls fn until predicate holds or timeoutMs passes; the timeout message says what was awaited. */
export async function retryUntil<T>(
  what: string,
  fn: () => Promise<T>,
  predicate: (value: T) => boolean,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; failFast?: (err: unknown) => boolean },
): Promise<T> {
  const deadline = performance.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    try {
      const value = await fn();
      if (predicate(value)) return value;
      lastError = undefined;
    } catch (err) {
      if (opts.failFast?.(err)) throw err;
      lastError = err;
    }
    if (performance.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${what} not reached after ${opts.timeoutMs}ms${why}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** The reason an AbortSignal was aborted with, as an Error (a bare value is wrapped). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Resolves after ms, or rejects with the signal's reason as soon as it aborts (no timer is left behind). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
