import type { Journal } from '../../harness/engine/journal.js';

/** How often something must happen: a calendar step, or continuously (outside what drills can show). */
export type Interval = { days: number } | { months: number } | 'continuous';

export type CadenceScope = 'each-procedure' | 'any-procedure';

/** One line of the plan's testing section, parsed. */
export interface Cadence {
  /** As written in the plan. */
  source: string;
  /** "quarterly", "every 45 days", "continuously". */
  every: string;
  interval: Interval;
  what: string;
  /**
   * each-procedure: every procedure it applies to must be drilled this often ("full DRP drill").
   * any-procedure: one drill of any of them is enough ("restore to a test environment").
   */
  scope: CadenceScope;
  /** Procedure ids; all of the plan's when the line names none. */
  procedures: string[];
}

/** The object form of a cadence line, for plans that need to say more than "Quarterly: full DRP drill". */
export interface CadenceSpec {
  every: string;
  what: string;
  scope?: CadenceScope;
  procedures?: string[];
}

const WORDS: Record<string, Interval> = {
  continuously: 'continuous',
  continuous: 'continuous',
  daily: { days: 1 },
  weekly: { days: 7 },
  fortnightly: { days: 14 },
  monthly: { months: 1 },
  quarterly: { months: 3 },
  'semi-annually': { months: 6 },
  'half-yearly': { months: 6 },
  yearly: { months: 12 },
  annually: { months: 12 },
};
const EVERY = /^every\s+(\d+)\s+(day|week|month|year)s?$/;

export const FREQUENCY_HELP =
  'daily, weekly, fortnightly, monthly, quarterly, semi-annually, yearly, continuously or "every N days|weeks|months|years"';

/** "quarterly" → 3 months; "every 45 days" → 45 days; undefined when not a frequency. */
export function parseFrequency(text: string): Interval | undefined {
  const t = text.trim().toLowerCase();
  if (WORDS[t]) return WORDS[t];
  const m = EVERY.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n < 1) return undefined;
  switch (m[2]) {
    case 'day':
      return { days: n };
    case 'week':
      return { days: 7 * n };
    case 'month':
      return { months: n };
    default:
      return { months: 12 * n };
  }
}

/**
 * Parses one testing line of a DRP: "Quarterly: full DRP drill with the team" or the object form.
 * A line whose words say "drill" applies to each procedure; any other (a restore test) is met by any drill.
 * Returns an error message instead when the frequency is not one drdrill knows.
 */
export function parseCadence(entry: string | CadenceSpec, allProcedures: string[]): Cadence | string {
  const source = typeof entry === 'string' ? entry : `${entry.every}: ${entry.what}`;
  let every: string;
  let what: string;
  if (typeof entry === 'string') {
    const colon = entry.indexOf(':');
    [every, what] =
      colon > 0
        ? [entry.slice(0, colon).trim(), entry.slice(colon + 1).trim()]
        : [entry.trim().split(/\s+/)[0] ?? '', entry.trim().split(/\s+/).slice(1).join(' ')];
  } else [every, what] = [entry.every.trim(), entry.what.trim()];
  const interval = parseFrequency(every);
  if (!interval)
    return `"${source}" does not start with a frequency; expected ${FREQUENCY_HELP}, then ": what is done"`;
  const spec = typeof entry === 'string' ? undefined : entry;
  const unknown = spec?.procedures?.find((p) => !allProcedures.includes(p));
  if (unknown) return `"${source}" names procedure "${unknown}", which the plan does not have`;
  return {
    source,
    every: every.toLowerCase(),
    interval,
    what,
    scope: spec?.scope ?? (/\bdrills?\b/i.test(what) ? 'each-procedure' : 'any-procedure'),
    procedures: spec?.procedures ?? allProcedures,
  };
}

/** Adds a calendar interval in UTC; the 31st plus a month is the last day of the next month. */
export function addInterval(from: Date, interval: Exclude<Interval, 'continuous'>): Date {
  if ('days' in interval) return new Date(from.getTime() + interval.days * 86_400_000);
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + interval.months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export function intervalDays(interval: Exclude<Interval, 'continuous'>): number {
  return 'days' in interval ? interval.days : interval.months * 30.44;
}

/** A drill that ran to a verdict tested its procedure, whether it passed or found a failure; an error did not. */
export function testedBy(journal: Journal): boolean {
  return journal.verdict === 'passed' || journal.verdict === 'failed';
}

export interface Schedule {
  /** "quarterly (Quarterly: full DRP drill with the team)" or the plan's max age. */
  every: string;
  lastTested: { drill: string; startedAt: string } | null;
  /** ISO date-time; null when never tested (due now). */
  nextDue: string | null;
  overdue: boolean;
  /** Whole days past nextDue; 0 when not overdue or never tested. */
  overdueDays: number;
}

/** Last tested, next due and overdue for a set of drills under one interval, as of `asOf`. */
export function schedule(
  drills: string[],
  journals: Journal[],
  interval: Exclude<Interval, 'continuous'>,
  every: string,
  asOf: Date,
): Schedule {
  const latest = journals
    .filter((j) => drills.includes(j.drill) && testedBy(j) && Date.parse(j.startedAt) <= asOf.getTime())
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  if (!latest) return { every, lastTested: null, nextDue: null, overdue: true, overdueDays: 0 };
  const due = addInterval(new Date(latest.startedAt), interval);
  const late = asOf.getTime() - due.getTime();
  return {
    every,
    lastTested: { drill: latest.drill, startedAt: latest.startedAt },
    nextDue: due.toISOString(),
    overdue: late > 0,
    overdueDays: late > 0 ? Math.floor(late / 86_400_000) : 0,
  };
}
