import type { Journal } from '../engine/journal.js';
import type { Sample } from './families.js';
import { drillKey, finishedAtSeconds, keyString, samplesFromJournal } from './from-journal.js';

const LAST_RUN = 'drdrill_last_run_timestamp_seconds';
const LAST_SUCCESS = 'drdrill_last_success_timestamp_seconds';

/**
 * The series to publish after these runs, given what was published before (`previous`). Per drill and
 * environment: the newest run wins, whether it is one of `journals` or already published (re-rendering an old
 * journal never replaces a newer result); the last success is the newest passing run among both, so a failed
 * run keeps the last success; drills these journals do not mention are kept as they were.
 */
export function mergeRuns(previous: Sample[], journals: Journal[]): Sample[] {
  const before = groupByKey(previous);
  const runs = new Map<string, Journal[]>();
  for (const j of journals) {
    const k = keyString(drillKey(j));
    runs.set(k, [...(runs.get(k) ?? []), j]);
  }
  const out: Sample[] = [];
  for (const [k, samples] of before) if (!runs.has(k)) out.push(...samples);
  for (const [k, list] of runs) {
    const newest = list.reduce((a, b) => (finishedAtSeconds(b) > finishedAtSeconds(a) ? b : a));
    const old = before.get(k) ?? [];
    const oldRun = valueOf(old, LAST_RUN);
    const base = oldRun !== undefined && oldRun > finishedAtSeconds(newest) ? old : samplesFromJournal(newest);
    out.push(...base.filter((s) => s.name !== LAST_SUCCESS));
    const successes = [
      valueOf(old, LAST_SUCCESS),
      ...list.filter((j) => j.verdict === 'passed').map(finishedAtSeconds),
    ].filter((v): v is number => v !== undefined);
    if (successes.length)
      out.push({ name: LAST_SUCCESS, labels: { ...drillKey(newest) }, value: Math.max(...successes) });
  }
  return out;
}

function groupByKey(samples: Sample[]): Map<string, Sample[]> {
  const by = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = keyString({ drill: s.labels.drill ?? '', environment: s.labels.environment ?? '' });
    by.set(k, [...(by.get(k) ?? []), s]);
  }
  return by;
}

function valueOf(samples: Sample[], name: string): number | undefined {
  return samples.find((s) => s.name === name)?.value;
}
