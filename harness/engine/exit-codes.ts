/**
 * The exit codes of `drdrill`. Users' CI scripts branch on them: keep the numbers stable.
 * Documented in README.md ("Exit codes").
 */
export const EXIT_CODES = {
  /** Every drill passed. */
  passed: 0,
  /** At least one drill ran and failed a check or an objective. */
  failed: 1,
  /** The scenario or the command line is invalid; nothing was started. */
  'invalid-config': 2,
  /** A prerequisite is missing (binary, permission, endpoint); the message names it and how to get it. */
  'missing-prerequisite': 3,
  /** The drill could not run its checks (environment or harness error). Never a pass. */
  error: 4,
  /** The global deadline passed. */
  timedout: 5,
  /** No drill failed, but at least one could not run on this machine (the journal says why). Never a pass. */
  skipped: 6,
  /** SIGINT or SIGTERM: everything was cleaned up. */
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

export const EXIT_CODE_DESCRIPTIONS: Record<ExitCodeName, string> = {
  passed: 'every drill passed its checks and objectives',
  failed: 'a drill failed a check or missed an objective',
  'invalid-config': 'invalid scenario or command line; nothing was started',
  'missing-prerequisite': 'a required binary, permission or endpoint is missing; the message says how to get it',
  error: 'a drill could not run its checks (environment or harness error)',
  timedout: 'a drill exceeded its deadline',
  skipped: 'a drill could not run on this machine (reason in its journal); none failed',
  interrupted: 'interrupted by SIGINT/SIGTERM after cleaning up',
};
