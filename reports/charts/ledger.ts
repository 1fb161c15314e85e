import type { Journal } from '../../harness/engine/journal.js';
import { formatClock, formatCount, formatSeconds } from '../format.js';
import { emptyChart, esc, MARKER_COLORS, n, svgOpen, ticks } from './svg.js';

const WIDTH = 900;
const HEIGHT = 260;
const LEFT = 52;
const RIGHT = 16;
const TOP = 46;
const LABEL_ROWS = [14, 27, 40];
const BOTTOM = 34;
const MARKED_EVENTS = ['fault', 'recovered', 'service', 'verified', 'dual-write', 'writes-resumed', 'fence'] as const;

/**
 * Acknowledged writes per second over the drill, with the fault and the recovery marked, outages shaded
 * and the lost writes highlighted.
 */
export function ledgerChart(journal: Journal): string {
  const ledger = journal.measurements.ledger;
  const label = `Ledger writes per second during ${journal.drill}`;
  if (!ledger || ledger.perSecond.length === 0)
    return emptyChart('ledger-chart', WIDTH, label, 'No ledger write was acknowledged, so there is no write chart.');

  const series = ledger.perSecond;
  const t0 = series[0]![0];
  const span = Math.max(series.at(-1)![0] + 1 - t0, 1);
  const peak = Math.max(...series.map(([, v]) => v), 1);
  const yTicks = ticks(peak, 4);
  const yMax = Math.max(yTicks.at(-1)!, peak);
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (epochSeconds: number) => LEFT + ((epochSeconds - t0) / span) * plotW;
  const y = (v: number) => TOP + plotH - (v / yMax) * plotH;
  const clampX = (epochSeconds: number) => Math.min(Math.max(x(epochSeconds), LEFT), LEFT + plotW);
  const parts = [svgOpen('ledger-chart', WIDTH, HEIGHT, label)];

  for (const v of yTicks) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${n(y(v) + 4)}" text-anchor="end" fill="#616161">${v}</text>`);
  }
  for (const s of ticks(span, 8)) {
    parts.push(
      `<text x="${n(x(t0 + s))}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#616161">${esc(formatSeconds(s))}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT}" y="${HEIGHT - 4}" fill="#616161">time since the first acknowledged write (UTC ${esc(formatClock(new Date(t0 * 1000).toISOString()))})</text>`,
  );
  parts.push(
    `<text x="12" y="${TOP + plotH / 2}" fill="#616161" transform="rotate(-90 12 ${TOP + plotH / 2})" text-anchor="middle">writes/s</text>`,
  );

  for (const o of ledger.outages) {
    const from = Date.parse(o.from) / 1000;
    const to = o.to ? Date.parse(o.to) / 1000 : t0 + span;
    const note = `write outage ${o.seconds !== null ? formatSeconds(o.seconds) : 'until the end'}: ${o.error}`;
    parts.push(
      `<rect class="outage" x="${n(clampX(from))}" y="${TOP}" width="${n(Math.max(clampX(to) - clampX(from), 1))}" height="${plotH}" fill="#9e9e9e" fill-opacity="0.18"><title>${esc(note)}</title></rect>`,
    );
  }

  const cut = journal.measurements.migration?.cutover;
  if (cut?.lastSourceWrite) {
    const x1 = clampX(Date.parse(cut.lastSourceWrite.at) / 1000);
    const width = Math.max(clampX(Date.parse(cut.firstTargetWrite.at) / 1000) - x1, 2);
    const note = `no write acknowledged for ${formatSeconds(journal.measurements.migration?.writeDowntimeSeconds)} at the switch to the target`;
    parts.push(
      `<rect id="migration-downtime" x="${n(x1)}" y="${TOP}" width="${n(width)}" height="${plotH}" fill="#c62828" fill-opacity="0.28" stroke="#c62828"><title>${esc(note)}</title></rect>`,
    );
  }

  const lost = lostWritesBand(journal);
  if (lost) {
    const x1 = clampX(lost.from);
    const width = Math.max(clampX(lost.to) - x1, 3);
    parts.push(
      `<rect id="lost-writes" x="${n(x1)}" y="${TOP}" width="${n(width)}" height="${plotH}" fill="#c62828" fill-opacity="0.28" stroke="#c62828" stroke-width="1"><title>${esc(lost.note)}</title></rect>`,
    );
    parts.push(
      `<text x="${n(x1 + width / 2)}" y="${TOP + 14}" text-anchor="middle" fill="#b71c1c" font-weight="600">${esc(lost.label)}</text>`,
    );
  }

  const points = series.map(([s, v]) => `${n(x(s))},${n(y(v))} ${n(x(s + 1))},${n(y(v))}`).join(' ');
  parts.push(
    `<polygon points="${n(x(t0))},${n(y(0))} ${points} ${n(x(t0 + span))},${n(y(0))}" fill="#1e88e5" fill-opacity="0.25"/>`,
  );
  parts.push(`<polyline class="writes" points="${points}" fill="none" stroke="#1565c0" stroke-width="1.5"/>`);

  const rowEnds = LABEL_ROWS.map(() => -Infinity);
  for (const e of journal.events.filter((ev) => (MARKED_EVENTS as readonly string[]).includes(ev.kind))) {
    const ex = clampX(Date.parse(e.time) / 1000);
    const color = MARKER_COLORS[e.kind] ?? '#424242';
    parts.push(
      `<line class="marker marker-${esc(e.kind)}" x1="${n(ex)}" x2="${n(ex)}" y1="${TOP - 4}" y2="${TOP + plotH}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3"><title>${esc(`${e.kind} at ${formatClock(e.time)}: ${e.message}`)}</title></line>`,
    );
    // Markers close in time would print their names over each other: take the first free row.
    const width = e.kind.length * 7.5 + 8;
    const row = Math.max(
      rowEnds.findIndex((end) => ex + 3 > end),
      0,
    );
    rowEnds[row] = ex + 3 + width;
    parts.push(`<text x="${n(ex + 3)}" y="${LABEL_ROWS[row]}" fill="${color}" font-weight="600">${esc(e.kind)}</text>`);
  }
  parts.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${n(y(0))}" y2="${n(y(0))}" stroke="#9e9e9e"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Where the lost writes sit on the time axis. The journal keeps their ledger seq range, not their times,
 * so they are placed where the cumulative count of acknowledged writes reaches those seqs.
 */
export function lostWritesBand(
  journal: Journal,
): { from: number; to: number; label: string; note: string } | undefined {
  const rpo = journal.measurements.rpo;
  const series = journal.measurements.ledger?.perSecond;
  if (!rpo?.lostAckedWrites || !series?.length || rpo.firstLostSeq === undefined) return undefined;
  const last = rpo.lastLostSeq ?? rpo.firstLostSeq;
  let cumulative = 0;
  let from: number | undefined;
  let to: number | undefined;
  for (const [s, v] of series) {
    const before = cumulative;
    cumulative += v;
    if (from === undefined && cumulative >= rpo.firstLostSeq) from = s + (v ? (rpo.firstLostSeq - before - 1) / v : 0);
    if (to === undefined && cumulative >= last) {
      to = s + (v ? (last - before) / v : 1);
      break;
    }
  }
  from ??= series.at(-1)![0];
  to ??= series.at(-1)![0] + 1;
  const discarded = rpo.discardedAfterTarget !== undefined && rpo.lostBeforeTarget === 0;
  const what = discarded ? 'discarded after the recovery target' : 'lost acknowledged writes';
  return {
    from,
    to,
    label: `${formatCount(rpo.lostAckedWrites)} ${discarded ? 'discarded' : 'lost'}`,
    note: `${formatCount(rpo.lostAckedWrites)} ${what} (ledger seq ${rpo.firstLostSeq}–${last}; placed by acknowledged-write count)`,
  };
}
