import { z } from 'zod';

/**
 * Field types shared by the scenario schema and the fault, recovery and backup modules that own their spec.
 * This file imports nothing of the harness, so any module may use it without an import cycle.
 */
export const identifier = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a lower-case name of letters, digits and "-"');
export const sqlIdentifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a table name');
export const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "30s", "500ms" or "5m"');

/** A secret is never written into a scenario: it names the environment variable that holds it. */
export const secretRef = z.strictObject({
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
});

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * factor;
}

/**
 * A key prefix in a bucket that others use too: plain segments only, so that no key drdrill builds under it
 * can reach other objects (S3 servers backed by a filesystem resolve ".." in keys).
 */
export const objectKeyPrefix = z.string().refine(
  (p) =>
    p === '' ||
    (!p.startsWith('/') &&
      ![...p].some((c) => c < ' ' || c === '\\') &&
      p
        .replace(/\/$/, '')
        .split('/')
        .every((s) => s !== '' && s !== '.' && s !== '..')),
  'must be empty (the bucket root) or a key prefix of plain segments such as "team/backups" (no "..", ".", "//", leading "/" or control characters)',
);
