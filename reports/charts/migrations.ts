import type { Journal } from '../../harness/engine/journal.js';
import { formatSeconds } from '../format.js';
import { esc, n, svgOpen, ticks } from './svg.js';

const WIDTH = 900;
const LEFT = 230;
const RIGHT = 16;
const TOP = 14;
const LANE = 64;
const GAP = 14;
const BOTTOM = 34;

/**
 * The suite's migrations on one time axis: a lane each of acknowledged writes per second, from the moment
 * its writer started on the source (so the lanes line up: the same dataset, the same time before the
 * copy), with the write downtime of its switch shaded and labelled. Unset when the suite ran no migration.
 */
export function migrationTimeline(journals: Journal[]): string {
  const lanes = journals
    .filter((j) => j.scenario.parsed.kind === 'Migration' && j.measurements.ledger?.firstAckAt)
    .map((j) => {
      const ledger = j.measurements.ledger!;
      const start = Date.parse(ledger.firstAckAt!) / 1000;
      const cut = j.measurements.migration?.cutover;
      const downtime = cut?.lastSourceWrite
        ? {
            from: Date.parse(cut.lastSourceWrite.at) / 1000 - start,
            to: Date.parse(cut.firstTargetWrite.at) / 1000 - start,
            seconds: j.measurements.migration?.writeDowntimeSeconds ?? 0,
          }
        : undefined;
      const series = ledger.perSecond.map(([s, v]) => [s - start, v] as const);
      return { j, series, downtime, end: Date.parse(ledger.lastAckAt!) / 1000 - start };
    });
  if (!lanes.length) return '';
  const span = Math.max(...lanes.map((l) => l.end), 1);
  const peak = Math.max(...lanes.flatMap((l) => l.series.map(([, v]) => v)), 1);
  const plotW = WIDTH - LEFT - RIGHT;
  const height = TOP + lanes.length * (LANE + GAP) + BOTTOM;
  const x = (t: number) => LEFT + (Math.min(Math.max(t, 0), span) / span) * plotW;
  const label = 'Write downtime of each migration, on one time axis';
  const parts = [svgOpen('migration-timeline', WIDTH, height, label)];
  lanes.forEach(({ j, series, downtime }, i) => {
    const top = TOP + i * (LANE + GAP);
    const y = (v: number) => top + LANE - (v / peak) * LANE;
    const procedure = j.measurements.migration?.procedure ?? '';
    parts.push(
      `<g class="lane" data-drill="${esc(j.drill)}" data-downtime="${downtime ? downtime.seconds : ''}">`,
      `<text x="${LEFT - 8}" y="${top + 22}" text-anchor="end" font-weight="600">${esc(j.drill)}</text>`,
      `<text x="${LEFT - 8}" y="${top + 38}" text-anchor="end" fill="#616161">${esc(procedure)}</text>`,
      `<text x="${LEFT - 8}" y="${top + 54}" text-anchor="end" fill="#b71c1c">${esc(downtime ? `writes stopped ${formatSeconds(downtime.seconds)}` : 'no switch')}</text>`,
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${n(top + LANE)}" y2="${n(top + LANE)}" stroke="#9e9e9e"/>`,
    );
    const points = series.map(([s, v]) => `${n(x(s))},${n(y(v))} ${n(x(s + 1))},${n(y(v))}`).join(' ');
    if (series.length)
      parts.push(`<polyline class="writes" points="${points}" fill="none" stroke="#1565c0" stroke-width="1.5"/>`);
    if (downtime) {
      const x1 = x(downtime.from);
      const w = Math.max(x(downtime.to) - x1, 2);
      parts.push(
        `<rect class="downtime" x="${n(x1)}" y="${top}" width="${n(w)}" height="${LANE}" fill="#c62828" fill-opacity="0.3" stroke="#c62828"><title>${esc(`${j.drill}: no write acknowledged for ${formatSeconds(downtime.seconds)} at the switch`)}</title></rect>`,
      );
    }
    parts.push('</g>');
  });
  const axisY = TOP + lanes.length * (LANE + GAP);
  for (const s of ticks(span, 8))
    parts.push(
      `<text x="${n(x(s))}" y="${axisY + 8}" text-anchor="middle" fill="#616161">${esc(formatSeconds(s))}</text>`,
    );
  parts.push(
    `<text x="${LEFT}" y="${height - 6}" fill="#616161">writes per second; time since each migration's writer started on its source (peak ${peak}/s); shaded: no write acknowledged</text>`,
    '</svg>',
  );
  return parts.join('');
}
