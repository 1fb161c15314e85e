import type { Journal } from '../../harness/engine/journal.js';
import { parseDuration } from '../../harness/scenario/fields.js';
import { formatSeconds } from '../format.js';
import { AXIS, ganttAxis, LABEL_WIDTH, ROW, TOP, WIDTH } from './gantt.js';
import { esc, MARKER_COLORS, n, svgOpen, ticks } from './svg.js';

const COLORS = { pending: '#f9a825', firing: '#ef6c00', late: '#9e9e9e', within: '#616161' };

/**
 * The alert's timeline on the Gantt's time axis: from the fault to the alert pending (its expression true), and
 * from pending to firing (the drill's `for`); the end of `within` is the deadline it had to fire by.
 */
export function detectionChart(journal: Journal): string {
  const d = journal.measurements.detection;
  if (!d) return '';
  const axis = ganttAxis(journal);
  const fault = axis.faultT ?? (Date.parse(d.faultAt) - axis.origin) / 1000;
  const pending = d.pendingSeconds !== undefined ? fault + d.pendingSeconds : undefined;
  const firing = d.firingSeconds !== undefined ? fault + d.firingSeconds : undefined;
  const deadline = fault + withinSeconds(d.within);
  const total = Math.max(axis.total, firing ?? 0);
  const x = (t: number) => LABEL_WIDTH + (Math.min(t, total) / total) * (WIDTH - LABEL_WIDTH - 20);

  type Bar = { label: string; from: number; to: number; color: string; note: string; hatched?: boolean };
  const bars: Bar[] = [];
  if (pending !== undefined)
    bars.push({
      label: pending < fault ? 'pending before fault' : 'fault → pending',
      from: Math.min(fault, pending),
      to: Math.max(fault, pending),
      color: COLORS.pending,
      note:
        pending < fault
          ? `expression of ${d.alert} true ${formatSeconds(fault - pending)} before the fault`
          : `${d.alert} pending ${formatSeconds(pending - fault)} after the fault`,
    });
  if (pending !== undefined && firing !== undefined)
    bars.push({
      label: `pending → firing`,
      from: pending,
      to: firing,
      color: COLORS.firing,
      note: `for ${d.for.drill}${d.for.shortened ? ` (shortened from ${d.for.rule})` : ''}: firing ${formatSeconds(firing - fault)} after the fault`,
    });
  if (firing === undefined)
    bars.push({
      label: 'not firing',
      from: pending ?? fault,
      to: deadline,
      color: COLORS.late,
      note: `${d.alert} did not fire within ${d.within}`,
      hatched: true,
    });

  const height = TOP + bars.length * ROW + AXIS;
  const parts = [svgOpen('detection-chart', WIDTH, height, `Detection timeline of ${d.alert}`)];
  for (const t of ticks(total, 8)) {
    parts.push(`<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${TOP}" y2="${TOP + bars.length * ROW}" stroke="#e0e0e0"/>`);
    parts.push(
      `<text x="${n(x(t))}" y="${TOP + bars.length * ROW + 16}" text-anchor="middle" fill="#616161">${esc(formatSeconds(t))}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" fill="#212121">${esc(b.label)}</text>`);
    const w = Math.max(x(b.to) - x(b.from), 2);
    parts.push(
      `<rect class="bar" x="${n(x(b.from))}" y="${y + 4}" width="${n(w)}" height="${ROW - 8}" rx="2" fill="${b.color}"${b.hatched ? ' fill-opacity="0.45"' : ''}><title>${esc(b.note)}</title></rect>`,
    );
  });
  const marker = (t: number, color: string, text: string, dash: string) => {
    parts.push(
      `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${TOP - 6}" y2="${TOP + bars.length * ROW}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${dash}"/>`,
    );
    parts.push(`<text x="${n(x(t) + 4)}" y="${TOP + 2}" fill="${color}" font-weight="600">${esc(text)}</text>`);
  };
  marker(fault, MARKER_COLORS.fault!, 'fault', '4 3');
  if (firing !== undefined) marker(firing, COLORS.firing, 'firing', '2 2');
  if (deadline <= total) marker(deadline, COLORS.within, `within ${d.within}`, '1 3');
  parts.push('</svg>');
  return parts.join('');
}

function withinSeconds(text: string): number {
  return parseDuration(text) / 1000;
}
