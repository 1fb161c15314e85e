import { formatDate, formatSeconds } from '../format.js';
import type { DrillTrend } from '../trends/analyse.js';
import { emptyChart, esc, n, STATUS_COLORS, svgOpen, ticks } from './svg.js';

const WIDTH = 900;
const HEIGHT = 200;
const LEFT = 60;
const RIGHT = 20;
const TOP = 16;
const BOTTOM = 30;

/** One metric of one scenario across drills: a line through measured points, coloured by verdict. */
export function trendChart(trend: DrillTrend, metric: 'rto' | 'rpo'): string {
  const id = `trend-${metric}-${trend.drill}`;
  const label = `${metric === 'rto' ? 'RTO' : 'Lost writes'} of ${trend.drill} across drills`;
  const value = (p: DrillTrend['points'][number]) => (metric === 'rto' ? p.rtoSeconds : p.lostWrites);
  const points = trend.points.filter((p) => value(p) !== null);
  if (!points.length) return emptyChart(id, WIDTH, label, `No ${metric.toUpperCase()} was measured in these drills.`);
  const times = points.map((p) => Date.parse(p.startedAt));
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const yTicks = ticks(Math.max(...points.map((p) => value(p)!), 1), 4);
  const yMax = yTicks.at(-1)!;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (t: number) => LEFT + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => TOP + plotH - (v / yMax) * plotH;
  const fmt = (v: number) => (metric === 'rto' ? formatSeconds(v) : String(v));
  const parts = [svgOpen(id, WIDTH, HEIGHT, label)];
  for (const v of yTicks) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${n(y(v) + 4)}" text-anchor="end" fill="#616161">${esc(fmt(v))}</text>`);
  }
  parts.push(
    `<polyline points="${points.map((p, i) => `${n(x(times[i]!))},${n(y(value(p)!))}`).join(' ')}" fill="none" stroke="#1565c0" stroke-width="2"/>`,
  );
  points.forEach((p, i) => {
    const [cx, cy] = [x(times[i]!), y(value(p)!)];
    parts.push(
      `<circle class="point" cx="${n(cx)}" cy="${n(cy)}" r="4.5" fill="${STATUS_COLORS[p.verdict] ?? '#757575'}"><title>${esc(`${formatDate(p.startedAt)} ${p.verdict}: ${fmt(value(p)!)}`)}</title></circle>`,
    );
    parts.push(
      `<text x="${n(cx)}" y="${HEIGHT - 10}" text-anchor="middle" fill="#616161">${esc(formatDate(p.startedAt))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
