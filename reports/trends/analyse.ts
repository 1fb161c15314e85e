import type { Journal, Verdict } from '../../harness/engine/journal.js';
import { formatCount, formatPercent, formatSeconds } from '../format.js';

export interface TrendPoint {
  startedAt: string;
  quarter: string;
  verdict: Verdict;
  rtoSeconds: number | null;
  lostWrites: number | null;
}
export interface Regression {
  drill: string;
  metric: 'RTO' | 'RPO';
  message: string;
  from: TrendPoint;
  to: TrendPoint;
}
export interface DrillTrend {
  drill: string;
  points: TrendPoint[];
  regressions: Regression[];
}

/** "2025-Q4" */
export function quarterOf(iso: string): string {
  return `${iso.slice(0, 4)}-Q${Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1}`;
}

/**
 * RTO and RPO per scenario across drills, oldest first, with regressions: the latest measured drill
 * against the latest one of an earlier quarter (or the previous drill when there is none).
 */
export function analyseTrends(journals: Journal[], opts: { threshold?: number } = {}): DrillTrend[] {
  const threshold = opts.threshold ?? 0.2;
  const byDrill = new Map<string, Journal[]>();
  for (const j of journals) byDrill.set(j.drill, [...(byDrill.get(j.drill) ?? []), j]);
  return [...byDrill.keys()].sort().map((drill) => {
    const points = byDrill
      .get(drill)!
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
      .map(point);
    return { drill, points, regressions: regressions(drill, points, threshold) };
  });
}

function point(j: Journal): TrendPoint {
  const rpo = j.measurements.rpo;
  return {
    startedAt: j.startedAt,
    quarter: quarterOf(j.startedAt),
    verdict: j.verdict,
    rtoSeconds: j.measurements.rto?.serviceSeconds ?? null,
    // For a point-in-time restore, writes after the target are discarded by design: count what was meant to be saved.
    lostWrites: rpo?.lostBeforeTarget ?? rpo?.lostAckedWrites ?? null,
  };
}

function regressions(drill: string, points: TrendPoint[], threshold: number): Regression[] {
  const out: Regression[] = [];
  const rto = compare(points, (p) => p.rtoSeconds);
  if (rto && rto.from.rtoSeconds! > 0) {
    const growth = rto.to.rtoSeconds! / rto.from.rtoSeconds! - 1;
    if (growth > threshold)
      out.push({
        drill,
        metric: 'RTO',
        from: rto.from,
        to: rto.to,
        message: `RTO of ${drill} grew ${formatPercent(growth)} ${since(rto.from, rto.to)} (${rto.from.quarter}: ${formatSeconds(rto.from.rtoSeconds)} → ${rto.to.quarter}: ${formatSeconds(rto.to.rtoSeconds)})`,
      });
  }
  const rpo = compare(points, (p) => p.lostWrites);
  if (rpo) {
    const [a, b] = [rpo.from.lostWrites!, rpo.to.lostWrites!];
    if ((a === 0 && b > 0) || (a > 0 && b / a - 1 > threshold))
      out.push({
        drill,
        metric: 'RPO',
        from: rpo.from,
        to: rpo.to,
        message: `RPO of ${drill} grew from ${formatCount(a)} to ${formatCount(b)} lost writes ${since(rpo.from, rpo.to)}`,
      });
  }
  return out;
}

function compare(
  points: TrendPoint[],
  value: (p: TrendPoint) => number | null,
): { from: TrendPoint; to: TrendPoint } | undefined {
  const measured = points.filter((p) => value(p) !== null);
  const to = measured.at(-1);
  if (!to || measured.length < 2) return undefined;
  const earlier = measured.filter((p) => p.quarter < to.quarter);
  const from = earlier.at(-1) ?? measured.at(-2)!;
  return { from, to };
}

function since(from: TrendPoint, to: TrendPoint): string {
  if (from.quarter === to.quarter) return 'since the previous drill';
  return from.quarter === previousQuarter(to.quarter) ? 'since last quarter' : `since ${from.quarter}`;
}

function previousQuarter(q: string): string {
  const [year, n] = [Number(q.slice(0, 4)), Number(q.slice(6))];
  return n === 1 ? `${year - 1}-Q4` : `${year}-Q${n - 1}`;
}
