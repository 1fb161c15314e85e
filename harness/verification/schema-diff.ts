import type { Drill } from '../engine/context.js';
import { schemaDump } from './schema-dump.js';

export async function verifySchemaDiff(drill: Drill): Promise<void> {
  const expected = drill.baseline?.schema;
  if (expected === undefined) throw new Error('the baseline has no schema dump');
  const actual = await schemaDump(drill.primary);
  const diff = lineDiff(expected, actual);
  drill.recorder.check({
    name: 'schema (pg_dump -s) matches the baseline',
    status: diff.length === 0 ? 'passed' : 'failed',
    ...(diff.length ? { message: `${diff.length} line(s) differ` } : {}),
    evidence: { command: 'pg_dump -s --no-owner --no-privileges', output: diff.slice(0, 200).join('\n') },
  });
}

/** Beyond this many differing lines in the middle, the diff names the first difference only. */
const MAX_MIDDLE = 4000;

/**
 * An ordered line diff: lines only in the baseline are "-<line no>: text", lines only in the recovered dump
 * "+<line no>: text". The same lines in another order differ, as they do for pg_dump.
 */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const mx = x.slice(start, endX);
  const my = y.slice(start, endY);
  if (!mx.length && !my.length) return [];
  if (mx.length > MAX_MIDDLE || my.length > MAX_MIDDLE)
    return [
      `-${start + 1}: ${mx[0] ?? ''}`,
      `+${start + 1}: ${my[0] ?? ''}`,
      `(${mx.length} vs ${my.length} lines differ from here)`,
    ];
  // Longest common subsequence of the differing middle, then a walk that emits what is not in it.
  const n = mx.length;
  const m = my.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = mx[i] === my[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && mx[i] === my[j]) {
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`-${start + i + 1}: ${mx[i++]}`);
    else out.push(`+${start + j + 1}: ${my[j++]}`);
  }
  return out;
}
