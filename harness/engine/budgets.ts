import { DrillError } from './errors.js';

/**
 * Every wait the harness makes has a named budget (seconds), like CloudNativePG's e2e timeouts. One
 * environment variable overrides any of them: DRDRILL_TIMEOUTS='{"replay": 1800}'. The journal records the
 * budgets a run used.
 */
export const DEFAULT_BUDGETS = {
  /** A PostgreSQL instance accepting connections after start. */
  startup: 60,
  /** A fast or smart shutdown before it is escalated to SIGKILL. */
  shutdown: 60,
  /** pg_promote() or a resumed paused recovery leaving recovery. */
  promote: 60,
  /** A switched WAL segment reaching the archive (pg_stat_archiver). */
  archiveWait: 60,
  /** WAL replay of a restore reaching its target. */
  replay: 600,
  /** The first acknowledged write on the recovered primary. */
  service: 120,
  /** Standbys streaming from a primary. */
  streaming: 60,
  /** One statement of a fault (e.g. a bulk load filling a disk). */
  statement: 120,
  /** A postmaster that PANICked exiting by itself. */
  postmasterExit: 30,
  /** A connection attempt of the harness. */
  connect: 5,
  /** One write of the workload writer. */
  write: 10,
  /** Prometheus and the exporters of a `detect` drill up, scraped once, with the rules loaded. */
  monitoring: 30,
  /** A migration's initial copy (a subscription's table synchronisation). */
  copy: 600,
  /** A migration target catching up with its source (logical replication). */
  catchUp: 60,
  /**
   * A phase cut short by Ctrl-C or the deadline finishing its current step (a container being created, a
   * process being started) before teardown starts, so teardown sees what it made.
   */
  settle: 30,
} as const;

export type BudgetName = keyof typeof DEFAULT_BUDGETS;

let resolved: Record<BudgetName, number> | undefined;

/** The budgets in force (seconds), after DRDRILL_TIMEOUTS; an invalid override is a configuration error. */
export function budgets(): Record<BudgetName, number> {
  resolved ??= parseBudgets(process.env.DRDRILL_TIMEOUTS);
  return resolved;
}

/** The default budgets with a DRDRILL_TIMEOUTS value applied. */
export function parseBudgets(raw: string | undefined): Record<BudgetName, number> {
  const out: Record<BudgetName, number> = { ...DEFAULT_BUDGETS };
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DrillError('invalid-config', `DRDRILL_TIMEOUTS is not JSON: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new DrillError('invalid-config', 'DRDRILL_TIMEOUTS must be a JSON object, e.g. {"replay": 1800}');
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in DEFAULT_BUDGETS))
      throw new DrillError(
        'invalid-config',
        `DRDRILL_TIMEOUTS.${key} is not a known budget; expected one of ${Object.keys(DEFAULT_BUDGETS).join(', ')}`,
      );
    if (typeof value !== 'number' || !(value > 0))
      throw new DrillError('invalid-config', `DRDRILL_TIMEOUTS.${key} must be a positive number of seconds`);
    out[key as BudgetName] = value;
  }
  return out;
}

/** A budget in milliseconds. */
export function budgetMs(name: BudgetName): number {
  return budgets()[name] * 1000;
}
