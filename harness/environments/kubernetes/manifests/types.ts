import type { KubeObject } from '../cluster.js';

/** A manifest drdrill renders: a typed client-node model that also has what the API needs to route it. */
export type Manifest<T> = T & KubeObject;

/** Labels and annotations every object of one drill run carries. */
export interface Stamp {
  namespace: string;
  labels: Record<string, string>;
}

/** A resource quantity in mebibytes, as the API writes it. */
export function mebibytes(mb: number): string {
  return `${mb}Mi`;
}

/** Parses a resource quantity ("1Gi", "96Mi", "500M", "1073741824") to bytes. */
export function quantityBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGTPE]i?|[kmgtpe]|)$/.exec(q.trim());
  if (!m) throw new Error(`not a storage quantity: ${q}`);
  const unit = m[2]!;
  const binary: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  const decimal: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };
  return Number(m[1]) * (binary[unit] ?? decimal[unit] ?? 1);
}
