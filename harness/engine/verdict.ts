import type { FaultRecord } from '../faults/types.js';
import type { LoadedScenario } from '../scenario/load.js';
import { compare } from '../scenario/objectives.js';
import { uncoveredDamage } from '../verification/coverage.js';
import { DrillError, errorMessage } from './errors.js';
import type { Baseline, ObjectiveResult, Verdict } from './journal.js';
import type { Recorder } from './recorder.js';
import { SkipDrill } from './skip.js';
import type { TaskRunResult } from './task-runner.js';

/** On a simulated cluster (tests) nothing timed is a recovery time: RTO objectives are not measured there. */
export function evaluateObjectives(loaded: LoadedScenario, recorder: Recorder, simulated = false): ObjectiveResult[] {
  return loaded.objectives.map((o) => {
    const actual = simulated && o.metric.startsWith('rto') ? undefined : recorder.get(o.metric);
    const measured = typeof actual === 'number' && Number.isFinite(actual);
    return {
      source: `${o.metric} ${o.source.trim()}`,
      metric: o.metric,
      comparator: o.comparator,
      threshold: o.value,
      actual: measured ? actual : null,
      status: !measured ? 'not-measured' : compare(actual, o.comparator, o.value) ? 'met' : 'missed',
    };
  });
}

export interface VerdictInput {
  result: TaskRunResult;
  recorder: Recorder;
  objectives: ObjectiveResult[];
  teardownErrors: string[];
  fault?: FaultRecord | undefined;
  baseline?: Baseline | undefined;
}

/**
 * The verdict, worst first. A drill passes only when every check passed, every objective was met, and the
 * data its fault damaged was proven back by a check of the verify phase.
 */
export function decideVerdict({ result, recorder, objectives, teardownErrors, fault, baseline }: VerdictInput): {
  verdict: Verdict;
  reason?: string;
} {
  const { status, error, at } = result;
  if (status === 'interrupted' || status === 'timedout')
    return { verdict: status, reason: `${errorMessage(error)} (during ${at})` };
  if (status === 'failed') {
    if (error instanceof SkipDrill) return { verdict: 'skipped', reason: error.message };
    const verdict: Verdict = error instanceof DrillError && error.exitCode === 'failed' ? 'failed' : 'error';
    return { verdict, reason: `${at}: ${errorMessage(error)}` };
  }
  const failed = recorder.checks.find((c) => c.status === 'failed');
  if (failed)
    return { verdict: 'failed', reason: `check failed: ${failed.name}${failed.message ? ` — ${failed.message}` : ''}` };
  const errored = recorder.checks.find((c) => c.status === 'error');
  if (errored)
    return {
      verdict: 'error',
      reason: `check could not run: ${errored.name}${errored.message ? ` — ${errored.message}` : ''}`,
    };
  const missed = objectives.find((o) => o.status !== 'met');
  if (missed)
    return {
      verdict: 'failed',
      reason: `objective ${missed.source} ${missed.status === 'missed' ? `missed (measured ${missed.actual})` : 'not measured'}`,
    };
  if (recorder.checks.length === 0) return { verdict: 'error', reason: 'no check ran: nothing was verified' };
  const uncovered = fault
    ? uncoveredDamage(fault.damaged, recorder.checks, Object.keys(baseline?.rowCounts ?? {}))
    : [];
  if (uncovered.length) return { verdict: 'error', reason: uncovered.join('; ') };
  if (teardownErrors.length) return { verdict: 'error', reason: `teardown failed: ${teardownErrors[0]}` };
  return { verdict: 'passed' };
}
