import type { DrillContext } from '../engine/context.js';
import { schemaDump } from './schema-dump.js';

export async function verifySchemaDiff(ctx: DrillContext): Promise<void> {
  const expected = ctx.baseline?.schema;
  if (expected === undefined) throw new Error('the baseline has no schema dump');
  const actual = await schemaDump(ctx, ctx.primary);
  const diff = lineDiff(expected, actual);
  ctx.recorder.check({
    name: 'schema (pg_dump -s) matches the baseline',
    status: diff.length === 0 ? 'passed' : 'failed',
    ...(diff.length ? { message: `${diff.length} line(s) differ` } : {}),
    evidence: { command: 'pg_dump -s --no-owner --no-privileges', output: diff.slice(0, 200).join('\n') },
  });
}

/** Lines only in one side, prefixed "-" (baseline) or "+" (recovered); enough to show what changed. */
export function lineDiff(a: string, b: string): string[] {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const l of text.split('\n')) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  const out: string[] = [];
  for (const [l, n] of ca) for (let i = cb.get(l) ?? 0; i < n; i++) out.push(`-${l}`);
  for (const [l, n] of cb) for (let i = ca.get(l) ?? 0; i < n; i++) out.push(`+${l}`);
  return out;
}
