/**
 * Ctrl-C or SIGTERM during a benchmark: the environments it started (PostgreSQL, s3rver, work directories) are
 * torn down before it exits, like a drill's. Drills run through the CLI clean up after themselves.
 */
const closers = new Set<() => Promise<void>>();
let installed = false;

export function closeOnInterrupt(close: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    const onSignal = (signal: NodeJS.Signals) => {
      process.stderr.write(`bench: ${signal}: cleaning up\n`);
      void Promise.allSettled([...closers].map((c) => c())).then(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  closers.add(close);
  return () => closers.delete(close);
}
