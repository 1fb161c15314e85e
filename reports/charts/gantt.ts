import type { Journal } from '../../harness/engine/journal.js';
import { formatSeconds } from '../format.js';
import { faultEvent } from '../summary.js';
import { emptyChart, esc, MARKER_COLORS, n, STATUS_COLORS, svgOpen, ticks } from './svg.js';

export const WIDTH = 900;
export const LABEL_WIDTH = 150;
export const ROW = 22;
export const TOP = 10;
export const AXIS = 26;

/** The Gantt's time axis: seconds since the drill started, up to `total`, mapped to x. Other charts share it. */
export interface TimeAxis {
  origin: number;
  total: number;
  x: (t: number) => number;
  /** Seconds since the drill started of the fault event, when there was one. */
  faultT?: number;
}

interface Row {
  label: string;
  from: number;
  to: number;
  color: string;
  note: string;
  hatched?: boolean;
}

export function ganttAxis(journal: Journal): TimeAxis {
  const { rows, origin, faultT } = ganttRows(journal);
  const total = Math.max(journal.seconds, ...rows.map((r) => r.to), 0.001);
  const plot = WIDTH - LABEL_WIDTH - 20;
  return { origin, total, x: (t) => LABEL_WIDTH + (t / total) * plot, ...(faultT !== undefined ? { faultT } : {}) };
}

function ganttRows(journal: Journal): { rows: Row[]; origin: number; faultT: number | undefined } {
  const origin = Date.parse(journal.startedAt);
  const rows: Row[] = journal.phases.map((p) => {
    const from = (Date.parse(p.start) - origin) / 1000;
    return {
      label: p.name,
      from,
      to: from + p.seconds,
      color: STATUS_COLORS[p.status] ?? '#757575',
      note: `${p.name}: ${p.status}${p.status === 'skipped' ? '' : `, ${formatSeconds(p.seconds)}`}${p.error ? ` — ${p.error}` : ''}`,
      hatched: p.status === 'skipped',
    };
  });
  const fault = faultEvent(journal);
  const faultT = fault ? (Date.parse(fault.time) - origin) / 1000 : undefined;
  if (faultT !== undefined) {
    let at = faultT;
    for (const seg of journal.measurements.rto?.phases ?? []) {
      rows.push({
        label: `RTO · ${seg.name}`,
        from: at,
        to: at + seg.seconds,
        color: '#1565c0',
        note: `recovery time, ${seg.name}: ${formatSeconds(seg.seconds)}`,
      });
      at += seg.seconds;
    }
  }
  return { rows, origin, faultT };
}

/** Phases as a Gantt chart from the drill's start, followed by the recovery-time breakdown from the fault. */
export function ganttChart(journal: Journal): string {
  const { rows, faultT } = ganttRows(journal);
  const label = `Phase timeline of ${journal.drill}`;
  if (!rows.length) return emptyChart('gantt-chart', WIDTH, label, 'No phase was recorded.');

  const { total, x } = ganttAxis(journal);
  const height = TOP + rows.length * ROW + AXIS;
  const parts = [svgOpen('gantt-chart', WIDTH, height, label)];

  for (const t of ticks(total, 8)) {
    parts.push(`<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${TOP}" y2="${TOP + rows.length * ROW}" stroke="#e0e0e0"/>`);
    parts.push(
      `<text x="${n(x(t))}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#616161">${esc(formatSeconds(t))}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end" fill="#212121">${esc(r.label)}</text>`);
    if (r.hatched) {
      parts.push(`<text x="${n(x(r.from) + 4)}" y="${y + 15}" fill="#9e9e9e" font-style="italic">skipped</text>`);
      return;
    }
    const w = Math.max(x(r.to) - x(r.from), 2);
    parts.push(
      `<rect class="bar" x="${n(x(r.from))}" y="${y + 4}" width="${n(w)}" height="${ROW - 8}" rx="2" fill="${r.color}"><title>${esc(r.note)}</title></rect>`,
    );
  });
  if (faultT !== undefined) {
    parts.push(
      `<line x1="${n(x(faultT))}" x2="${n(x(faultT))}" y1="${TOP - 6}" y2="${TOP + rows.length * ROW}" stroke="${MARKER_COLORS.fault}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text x="${n(x(faultT) + 4)}" y="${TOP + 2}" fill="${MARKER_COLORS.fault}" font-weight="600">fault</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
