import { budgetMs } from '../engine/budgets.js';

/** An alert as GET /api/v1/alerts lists it. `activeAt` is the evaluation at which its expression became true. */
export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

/** One series of a range-vector query: its labels and raw samples [unix seconds, value]. */
export interface PromSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

export interface PromTarget {
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  scrapeUrl: string;
}

/** A GET on Prometheus's HTTP API; the answer's `data`, or an error with Prometheus's own message. */
export async function promApi<T>(base: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { signal: AbortSignal.timeout(budgetMs('connect')) });
  const body = (await res.json().catch(() => ({}))) as { status?: string; data?: T; error?: string };
  if (body.status !== 'success' || body.data === undefined)
    throw new Error(`Prometheus ${path}: ${body.error ?? `HTTP ${res.status}`}`);
  return body.data;
}

export async function activeAlerts(base: string): Promise<PromAlert[]> {
  return (await promApi<{ alerts: PromAlert[] }>(base, '/api/v1/alerts')).alerts;
}

export async function instantQuery(base: string, query: string, time?: number): Promise<PromSeries[]> {
  const params: Record<string, string> = { query };
  if (time !== undefined) params.time = (time / 1000).toFixed(3);
  return (await promApi<{ result: PromSeries[] }>(base, '/api/v1/query', params)).result;
}

export async function scrapeTargets(base: string): Promise<PromTarget[]> {
  return (await promApi<{ activeTargets: PromTarget[] }>(base, '/api/v1/targets')).activeTargets;
}

export async function loadedAlertRules(base: string): Promise<string[]> {
  const data = await promApi<{ groups: { rules: { type: string; name: string }[] }[] }>(base, '/api/v1/rules');
  return data.groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting').map((r) => r.name));
}
