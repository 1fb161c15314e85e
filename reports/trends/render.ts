import { join } from 'node:path';
import { trendChart } from '../charts/trend.js';
import { formatCount, formatDate, formatSeconds, statusSymbol } from '../format.js';
import { renderTemplate } from '../templates.js';
import { writeReport } from '../write.js';
import type { DrillTrend } from './analyse.js';

export const TRENDS_HTML = 'trends.html';
export const TRENDS_MD = 'trends.md';

function trendsView(trends: DrillTrend[], charts: boolean) {
  return {
    regressions: trends.flatMap((t) => t.regressions.map((r) => r.message)),
    drills: trends.map((t) => ({
      drill: t.drill,
      count: t.points.length,
      rtoSvg: charts ? trendChart(t, 'rto') : '',
      rpoSvg: charts ? trendChart(t, 'rpo') : '',
      points: t.points.map((p) => ({
        date: formatDate(p.startedAt),
        quarter: p.quarter,
        verdict: p.verdict,
        symbol: statusSymbol(p.verdict),
        rto: formatSeconds(p.rtoSeconds),
        lost: p.lostWrites === null ? '—' : formatCount(p.lostWrites),
      })),
    })),
  };
}

export function renderTrendsHtml(trends: DrillTrend[]): string {
  return renderTemplate('trends.html.hbs', trendsView(trends, true));
}

export function renderTrendsMarkdown(trends: DrillTrend[]): string {
  return renderTemplate('trends.md.hbs', trendsView(trends, false)).replace(/\n{3,}/g, '\n\n');
}

export async function writeTrends(
  trends: DrillTrend[],
  outDir: string,
  formats: { html: boolean; md: boolean },
): Promise<string[]> {
  const out: string[] = [];
  if (formats.html) out.push(await writeReport(join(outDir, TRENDS_HTML), renderTrendsHtml(trends)));
  if (formats.md) out.push(await writeReport(join(outDir, TRENDS_MD), renderTrendsMarkdown(trends)));
  return out;
}
