import type { Drill } from '../engine/context.js';
import { errorMessage } from '../engine/errors.js';
import { round } from '../engine/recorder.js';
import { metricNamesIn } from '../metrics/rules.js';
import { now } from '../util/clock.js';
import { sleep } from '../util/retry.js';
import { promDuration } from './drill-rules.js';
import type { AlertMonitor } from './monitor.js';
import { activeAlerts, instantQuery, type PromAlert, type PromSeries } from './prometheus-api.js';
import { ALERTS_ARTIFACT, withinSeconds } from './spec.js';

const POLL_MS = 250;

/**
 * From the fault on, polls Prometheus's /api/v1/alerts until the alert fires or `within` has passed since the
 * fault. pendingSeconds comes from the alert's activeAt (the evaluation at which its expression became true),
 * firingSeconds from the first sample of its ALERTS{alertstate="firing"} series, both against the fault. The raw
 * ALERTS series is kept as an artifact: evidence that does not depend on the poll.
 */
export async function awaitAlert(drill: Drill, monitor: AlertMonitor): Promise<void> {
  const { spec, rules } = monitor;
  const fault = drill.fault;
  if (!fault) return;
  // The fault is stamped on the monotonic clock; Prometheus stamps evaluations with the wall clock.
  const faultWall = fault.at + (Date.now() - now());
  const deadline = faultWall + withinSeconds(spec) * 1000;
  let pendingSeen: PromAlert | undefined;
  let firing = false;
  let firingSeenAt: number | undefined;
  let answered = false;
  let lastError = '';
  // At least one poll, even when the fault's own detection took longer than `within`: the series then says when.
  for (;;) {
    try {
      const mine = (await activeAlerts(monitor.url)).filter((a) => a.labels.alertname === spec.alert);
      answered = true;
      const earliest = mine.sort((a, b) => Date.parse(a.activeAt) - Date.parse(b.activeAt))[0];
      if (earliest && !pendingSeen) {
        pendingSeen = earliest;
        drill.recorder.event(
          'detection',
          `alert ${spec.alert} pending since ${earliest.activeAt} (${seconds(Date.parse(earliest.activeAt) - faultWall)} s after the fault)`,
          { labels: earliest.labels, value: earliest.value },
        );
      }
      firing = mine.some((a) => a.state === 'firing');
      if (firing) firingSeenAt = Date.now();
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (firing || Date.now() > deadline) break;
    await sleep(POLL_MS, drill.signal);
  }

  const series = await alertsSeries(drill, monitor).catch((err: unknown) => {
    lastError = errorMessage(err);
    return [] as PromSeries[];
  });
  const firstSample = (state: string) =>
    series
      .filter((s) => s.metric.alertstate === state)
      .flatMap((s) => (s.values ?? []).map(([t]) => t * 1000))
      .sort((a, b) => a - b)[0];
  const pendingAt = pendingSeen ? Date.parse(pendingSeen.activeAt) : firstSample('pending');
  // The poll only bounds it; the series holds the evaluation at which it fired.
  const firingAt = firingSeenAt !== undefined ? (firstSample('firing') ?? firingSeenAt) : undefined;
  const fired = firingAt !== undefined && firingAt <= deadline;
  if (firingAt !== undefined)
    drill.recorder.event(
      'detection',
      `alert ${spec.alert} firing since ${new Date(firingAt).toISOString()} (${seconds(firingAt - faultWall)} s after the fault)`,
    );

  const shortened = rules.forSeconds < rules.ruleForSeconds;
  const pendingSeconds = pendingAt !== undefined ? seconds(pendingAt - faultWall) : undefined;
  drill.recorder.measure('detection', {
    alert: spec.alert,
    rules: monitor.rulesFile,
    expression: rules.rule.expr,
    within: spec.within,
    faultAt: new Date(faultWall).toISOString(),
    ...(pendingAt !== undefined ? { pendingAt: new Date(pendingAt).toISOString(), pendingSeconds } : {}),
    ...(firingAt !== undefined
      ? { firingAt: new Date(firingAt).toISOString(), firingSeconds: seconds(firingAt - faultWall) }
      : {}),
    for: {
      rule: promDuration(rules.ruleForSeconds),
      drill: promDuration(rules.forSeconds),
      shortened,
    },
    ...(shortened && pendingSeconds !== undefined
      ? { projectedFiringSeconds: round(pendingSeconds + rules.ruleForSeconds) }
      : {}),
    changes: rules.changes,
    evaluationIntervalSeconds: 1,
  });

  const missing = fired ? [] : await metricsWithoutSeries(monitor).catch(() => []);
  const why = [
    firingAt !== undefined
      ? `it fired ${seconds(firingAt - faultWall)} s after the fault`
      : pendingAt === undefined
        ? 'its expression never became true'
        : `pending ${pendingSeconds} s from the fault, but its for (${promDuration(rules.forSeconds)}) had not passed`,
    ...(missing.length ? [`Prometheus has no series named ${missing.join(', ')}`] : []),
    ...(lastError ? [`${answered ? 'last error' : 'Prometheus never answered'}: ${lastError}`] : []),
  ];
  drill.recorder.check({
    name: `alert ${spec.alert} fired within ${spec.within} of the fault`,
    status: fired ? 'passed' : answered ? 'failed' : 'error',
    ...(fired ? {} : { message: `alert ${spec.alert} did not fire within ${spec.within} (${why.join('; ')})` }),
    evidence: {
      query: `GET /api/v1/alerts every ${POLL_MS} ms; ALERTS{alertname="${spec.alert}"} (${ALERTS_ARTIFACT})`,
      expression: rules.rule.expr,
      for: promDuration(rules.forSeconds),
      expected: `firing by ${new Date(deadline).toISOString()}`,
      actual:
        firingAt !== undefined
          ? `firing at ${new Date(firingAt).toISOString()}`
          : pendingAt !== undefined
            ? `pending since ${new Date(pendingAt).toISOString()}, never firing`
            : 'never pending',
      ...(missing.length ? { metricsWithoutSeries: missing } : {}),
    },
  });
}

/** The raw samples of the alert's ALERTS series since Prometheus started, kept as an artifact. */
async function alertsSeries(drill: Drill, monitor: AlertMonitor): Promise<PromSeries[]> {
  const at = Date.now();
  const range = Math.ceil((at - monitor.startedAt) / 1000) + 60;
  const query = `ALERTS{alertname="${monitor.spec.alert}"}[${range}s]`;
  const result = await instantQuery(monitor.url, query, at);
  await drill.saveArtifact(
    ALERTS_ARTIFACT,
    JSON.stringify({ query, time: new Date(at).toISOString(), prometheus: monitor.url, result }, null, 2) + '\n',
    `Prometheus's ALERTS series of ${monitor.spec.alert}: every evaluation at which it was pending or firing`,
  );
  return result;
}

/** Metric names the alert's expression reads that Prometheus holds no series of (a misspelt rule). */
async function metricsWithoutSeries(monitor: AlertMonitor): Promise<string[]> {
  const names = metricNamesIn(monitor.rules.rule.expr).filter((n) => !n.includes(':'));
  const missing: string[] = [];
  for (const name of names)
    if (!(await instantQuery(monitor.url, `count({__name__="${name}"})`)).length) missing.push(name);
  return missing;
}

function seconds(ms: number): number {
  return round(ms / 1000);
}
