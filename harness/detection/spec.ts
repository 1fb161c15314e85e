import { z } from 'zod';
import { duration, parseDuration } from '../scenario/fields.js';
import type { Objective } from '../scenario/objectives.js';

/**
 * `detect:` in a scenario: the drill runs Prometheus and the exporters beside the instance, with an alert rule
 * loaded, and measures how long after the fault the alert is pending and firing.
 */
export const detectSpec = z
  .strictObject({
    alert: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an alert name such as DatabaseDiskFull')
      .describe('the alert that must fire: an alert rule in the rules file'),
    within: duration
      .default('2m')
      .describe('the alert must be firing this long after the fault at the latest, or the drill fails'),
    for: duration
      .optional()
      .describe(
        "the rule's `for` in the drill's copy; default: the rule's own, shortened to a quarter of `within` when longer (the journal and report say so)",
      ),
    rules: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Prometheus rules file, relative to the scenario; default: the shipped monitoring/rules/drdrill.rules.yml',
      ),
    replace: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe(
        'text replaced in the alert\'s expression of the drill\'s copy, e.g. { "> 600": "> 15" } to scale a threshold of seconds; recorded in the journal and report',
      ),
  })
  .describe('measure that an alert fires after the fault, and how long it takes');

export type DetectSpec = z.output<typeof detectSpec>;

/** The artifact that keeps Prometheus's ALERTS series of the alert: evidence independent of the poll. */
export const ALERTS_ARTIFACT = 'prometheus-alerts-series.json';

/** The measurement an alert that fires in time produces; the objective every `detect` implies. */
export const DETECTION_METRIC = 'detection.firingSeconds';

export function withinSeconds(spec: DetectSpec): number {
  return parseDuration(spec.within) / 1000;
}

/**
 * The scenario's objectives, plus `detection.firingSeconds <= within` when it has `detect` and sets no objective
 * on that measurement itself: an alert that does not fire in time fails the drill like a missed RTO.
 */
export function detectionObjective(
  scenario: { detect?: DetectSpec | undefined },
  objectives: Objective[],
): Objective[] {
  const spec = scenario.detect;
  if (!spec || objectives.some((o) => o.metric === DETECTION_METRIC)) return objectives;
  return [
    ...objectives,
    {
      source: `<= ${spec.within}`,
      metric: DETECTION_METRIC,
      comparator: '<=',
      value: withinSeconds(spec),
      unit: 'seconds',
    },
  ];
}
