/**
 * Objectives are k6-style threshold expressions, e.g. `rto: "< 120s"` or `rpo: "= 0 rows"`.
 * They are parsed before a drill starts and evaluated against the journal's measurements.
 */
export type Comparator = '<' | '<=' | '=' | '>=' | '>' | '!=';
export type MetricUnit = 'seconds' | 'count';

export interface Objective {
  source: string;
  metric: string;
  comparator: Comparator;
  value: number;
  unit: MetricUnit;
}

/** Short names an objectives key may use, mapped to measurement paths. */
export const METRIC_ALIASES: Record<string, string> = {
  rto: 'rto.serviceSeconds',
  rpo: 'rpo.lostAckedWrites',
  restore: 'restore.seconds',
  backupAge: 'backup.ageSeconds',
};

/** Measurement paths objectives may name, with their unit. */
export const KNOWN_METRICS: Record<string, MetricUnit> = {
  'rto.serviceSeconds': 'seconds',
  'rto.dataRestoredSeconds': 'seconds',
  'rto.verifiedSeconds': 'seconds',
  'rpo.lostAckedWrites': 'count',
  'rpo.lostSeconds': 'seconds',
  'rpo.lostBeforeTarget': 'count',
  'rpo.discardedAfterTarget': 'count',
  'detection.pendingSeconds': 'seconds',
  'detection.firingSeconds': 'seconds',
  'migration.writeDowntimeSeconds': 'seconds',
  'migration.lagAtCutoverSeconds': 'seconds',
  'migration.freezeSeconds': 'seconds',
  'migration.copy.seconds': 'seconds',
  'migration.divergentRows': 'count',
  'restore.seconds': 'seconds',
  'backup.ageSeconds': 'seconds',
};

const UNIT_FACTORS: Record<string, { unit: MetricUnit; factor: number }> = {
  ms: { unit: 'seconds', factor: 0.001 },
  s: { unit: 'seconds', factor: 1 },
  m: { unit: 'seconds', factor: 60 },
  h: { unit: 'seconds', factor: 3600 },
  rows: { unit: 'count', factor: 1 },
  writes: { unit: 'count', factor: 1 },
};

const EXPR = /^\s*(<=|>=|==|!=|<|>|=)\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/;

export function parseObjective(
  source: string,
  key = 'rto',
): { ok: true; value: Objective } | { ok: false; error: string } {
  const metric = METRIC_ALIASES[key] ?? key;
  const metricUnit = KNOWN_METRICS[metric];
  if (!metricUnit)
    return {
      ok: false,
      error: `unknown measurement "${key}"; expected one of ${[...Object.keys(METRIC_ALIASES), ...Object.keys(KNOWN_METRICS)].map((k) => `"${k}"`).join(', ')}`,
    };
  const m = EXPR.exec(source);
  if (!m) return { ok: false, error: `"${source}" is not a threshold; expected e.g. "< 120s" or "= 0 rows"` };
  const [, rawOp, num, rawUnit] = m as unknown as [string, string, string, string];
  const unitName = rawUnit || (metricUnit === 'seconds' ? 's' : 'rows');
  const unit = UNIT_FACTORS[unitName];
  if (!unit)
    return { ok: false, error: `unknown unit "${rawUnit}" in "${source}"; expected ms, s, m, h, rows or writes` };
  if (unit.unit !== metricUnit)
    return {
      ok: false,
      error: `"${source}" gives ${unit.unit === 'seconds' ? 'a time' : 'a count'} but ${metric} is ${metricUnit === 'seconds' ? 'a time' : 'a count'}`,
    };
  const comparator = (rawOp === '==' ? '=' : rawOp) as Comparator;
  return { ok: true, value: { source, metric, comparator, value: Number(num) * unit.factor, unit: metricUnit } };
}

export function compare(actual: number, comparator: Comparator, expected: number): boolean {
  switch (comparator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '=':
      return actual === expected;
    case '>=':
      return actual >= expected;
    case '>':
      return actual > expected;
    case '!=':
      return actual !== expected;
  }
}

export function parseObjectives(objectives: Record<string, string | string[]>): Objective[] {
  const out: Objective[] = [];
  for (const [key, exprs] of Object.entries(objectives)) {
    for (const source of Array.isArray(exprs) ? exprs : [exprs]) {
      const parsed = parseObjective(source, key);
      if (!parsed.ok) throw new Error(`objectives.${key}: ${parsed.error}`);
      out.push(parsed.value);
    }
  }
  return out;
}
