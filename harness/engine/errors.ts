import type { ExitCodeName } from './exit-codes.js';

/** An error the CLI reports as one line, with the exit code it names. Never printed with a stack. */
export class DrillError extends Error {
  constructor(
    readonly exitCode: ExitCodeName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DrillError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
