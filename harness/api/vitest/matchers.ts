import type { Journal } from '../../engine/journal.js';
import {
  failingChecks,
  isJournal,
  lossLines,
  missedObjectives,
  notAJournal,
  objectiveLines,
  phasesNotPassed,
  recoveryLines,
  verdictLine,
} from './evidence.js';

/** The matchers `drdrill/vitest` adds to `expect`, for a journal. */
export interface DrillMatchers<R = unknown> {
  /** The verdict is `passed`: every check passed, every objective was met, damaged data was proven back. */
  toPass(): R;
  /** The scenario declares objectives and every one was met (an objective that was not measured is missed). */
  toMeetObjectives(): R;
  /** `measurements.rpo.lostAckedWrites` is 0, and the workload had acknowledged writes to lose. */
  toLoseNoAcknowledgedWrites(): R;
  /**
   * Service and data were back within `seconds` of the fault: `rto.serviceSeconds` and, when the fault damaged
   * data, `rto.dataRestoredSeconds` (each that was measured, at least one).
   */
  toRecoverWithin(seconds: number): R;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

type Matcher = (this: { isNot: boolean }, received: unknown, ...args: never[]) => MatcherResult;

function journalMatcher<A extends unknown[]>(
  check: (j: Journal, isNot: boolean, ...args: A) => MatcherResult,
): (this: { isNot: boolean }, received: unknown, ...args: A) => MatcherResult {
  return function (this: { isNot: boolean }, received: unknown, ...args: A) {
    if (!isJournal(received)) return { pass: this.isNot, message: () => notAJournal(received) };
    return check(received, this.isNot, ...args);
  };
}

const lines = (...parts: (string | string[])[]) => parts.flat().join('\n');

export const drillMatchers = {
  toPass: journalMatcher((j, isNot) => ({
    pass: j.verdict === 'passed',
    actual: j.verdict,
    expected: 'passed',
    message: () =>
      isNot
        ? `expected drill "${j.drill}" not to pass, but it passed (${j.checks.length} checks, ${j.objectives.length} objectives)`
        : lines(
            `expected drill "${j.drill}" to pass, but it ended ${j.verdict}${j.reason ? `: ${j.reason}` : ''}`,
            failingChecks(j),
            missedObjectives(j),
            phasesNotPassed(j),
          ),
  })),

  toMeetObjectives: journalMatcher((j, isNot) => {
    const missed = j.objectives.filter((o) => o.status !== 'met');
    return {
      pass: j.objectives.length > 0 && missed.length === 0,
      message: () =>
        isNot
          ? lines(`expected drill "${j.drill}" to miss an objective, but it met all:`, objectiveLines(j.objectives))
          : j.objectives.length === 0
            ? `expected drill "${j.drill}" to meet its objectives, but its scenario declares none (objectives: { rto: "< 120s", rpo: "= 0 rows" })`
            : lines(
                `expected drill "${j.drill}" to meet its objectives, but ${missed.length} of ${j.objectives.length} ${missed.length === 1 ? 'was' : 'were'} not met (${verdictLine(j)}):`,
                objectiveLines(j.objectives),
                failingChecks(j),
              ),
    };
  }),

  toLoseNoAcknowledgedWrites: journalMatcher((j, isNot) => {
    const lost = j.measurements.rpo?.lostAckedWrites;
    const acked = j.measurements.ledger?.acked ?? 0;
    const why =
      lost === undefined
        ? 'lost writes were not measured'
        : acked === 0
          ? 'the workload had no acknowledged writes, so none could be lost'
          : `${lost} acknowledged write${lost === 1 ? ' was' : 's were'} lost`;
    return {
      pass: lost === 0 && acked > 0,
      actual: lost,
      expected: 0,
      message: () =>
        isNot
          ? lines(`expected drill "${j.drill}" to lose acknowledged writes, but it lost none of ${acked}`, lossLines(j))
          : lines(
              `expected drill "${j.drill}" to lose no acknowledged writes, but ${why} (${verdictLine(j)}):`,
              lossLines(j),
              failingChecks(j),
            ),
    };
  }),

  toRecoverWithin: journalMatcher((j, isNot, seconds: number) => {
    const rto = j.measurements.rto;
    const measured = [rto?.serviceSeconds, rto?.dataRestoredSeconds].filter((s): s is number => s !== undefined);
    const worst = measured.length ? Math.max(...measured) : undefined;
    const parsed = j.scenario.parsed;
    const hasFault = parsed.kind === 'Drill' && !!parsed.fault;
    const why = !hasFault
      ? 'the scenario injects no fault, so there was nothing to recover from'
      : worst === undefined
        ? 'no recovery time was measured'
        : `it took ${worst}s`;
    return {
      pass: hasFault && worst !== undefined && worst <= seconds,
      actual: worst,
      expected: seconds,
      message: () =>
        isNot
          ? lines(
              `expected drill "${j.drill}" not to recover within ${seconds}s, but it did in ${worst}s`,
              recoveryLines(j),
            )
          : lines(
              `expected drill "${j.drill}" to recover within ${seconds}s, but ${why} (${verdictLine(j)}):`,
              recoveryLines(j),
              phasesNotPassed(j),
            ),
    };
  }),
} satisfies Record<keyof DrillMatchers, Matcher>;
