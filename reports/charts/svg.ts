/** Small helpers for hand-made inline SVG: no chart library, nothing fetched. */

export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Rounds coordinates so the markup stays small and stable across runs. */
export function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export const STATUS_COLORS: Record<string, string> = {
  passed: '#2e7d32',
  met: '#2e7d32',
  failed: '#c62828',
  missed: '#c62828',
  error: '#e65100',
  interrupted: '#6a1b9a',
  timedout: '#6a1b9a',
  skipped: '#9e9e9e',
  'not-measured': '#9e9e9e',
};

export const MARKER_COLORS: Record<string, string> = {
  fault: '#c62828',
  recovered: '#1565c0',
  service: '#2e7d32',
  verified: '#00695c',
};

/** About `count` round tick values covering [0, max]. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

export function svgOpen(id: string, width: number, height: number, label: string): string {
  return `<svg id="${esc(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(label)}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11"><title>${esc(label)}</title>`;
}

export function emptyChart(id: string, width: number, label: string, message: string): string {
  return `${svgOpen(id, width, 40, label)}<text x="8" y="24" fill="#616161">${esc(message)}</text></svg>`;
}
