import type { CheckRecord, Journal, ObjectiveResult } from '../../engine/journal.js';

/**
 * Text for matcher failures: the checks, objectives and measurements a reader needs to see why a drill did not
 * do what the test expected, taken from the journal alone (as every report is).
 */

export function isJournal(value: unknown): value is Journal {
  const j = value as Partial<Journal> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    typeof j.drill === 'string' &&
    typeof j.verdict === 'string' &&
    Array.isArray(j.checks) &&
    Array.isArray(j.objectives) &&
    typeof j.measurements === 'object'
  );
}

export function notAJournal(value: unknown): string {
  const shown =
    typeof value === 'object' && value !== null
      ? `an object with keys ${Object.keys(value).join(', ')}`
      : String(value);
  return `expected a drdrill journal (what runDrill resolves with, or readJournal reads), got ${shown}`;
}

export function verdictLine(j: Journal): string {
  return `drill "${j.drill}" ended ${j.verdict}${j.reason ? `: ${j.reason}` : ''}`;
}

export function failingChecks(j: Journal): string[] {
  const bad = j.checks.filter((c) => c.status === 'failed' || c.status === 'error');
  return bad.length ? ['failing checks:', ...bad.flatMap(checkLines)] : [];
}

export function checkLines(c: CheckRecord): string[] {
  const head = `  ✗ ${c.name}${c.phase ? ` (${c.phase})` : ''} ${c.status}${c.message ? `: ${c.message}` : ''}`;
  return [head, ...evidenceLines(c.evidence).map((l) => `      ${l}`)];
}

function evidenceLines(evidence: CheckRecord['evidence']): string[] {
  const lines: string[] = [];
  for (const key of ['expected', 'actual'] as const)
    if (evidence[key] !== undefined) lines.push(`${key}: ${compact(evidence[key])}`);
  if (evidence.query) lines.push(`query: ${oneLine(evidence.query)}`);
  if (evidence.command) lines.push(`command: ${oneLine(evidence.command)}`);
  if (evidence.output) {
    const out = evidence.output.trim().split('\n');
    lines.push(`output: ${out.slice(0, 5).join(' | ')}${out.length > 5 ? ` (+${out.length - 5} lines)` : ''}`);
  }
  return lines;
}

export function objectiveLines(objectives: ObjectiveResult[], only?: (o: ObjectiveResult) => boolean): string[] {
  return objectives
    .filter((o) => !only || only(o))
    .map((o) => {
      const mark = o.status === 'met' ? '✓' : '✗';
      const actual = o.actual === null ? 'not measured' : `was ${o.actual}`;
      return `  ${mark} ${o.source}: ${actual} (${o.status})`;
    });
}

export function missedObjectives(j: Journal): string[] {
  const lines = objectiveLines(j.objectives, (o) => o.status !== 'met');
  return lines.length ? ['objectives not met:', ...lines] : [];
}

export function phasesNotPassed(j: Journal): string[] {
  const bad = j.phases.filter((p) => p.status !== 'passed' && p.status !== 'skipped');
  return bad.length
    ? ['phases that did not pass:', ...bad.map((p) => `  ✗ ${p.name} ${p.status}${p.error ? `: ${p.error}` : ''}`)]
    : [];
}

/** The RPO evidence: how many acknowledged writes are missing, which, and in which tables. */
export function lossLines(j: Journal): string[] {
  const rpo = j.measurements.rpo;
  const ledger = j.measurements.ledger;
  if (!rpo) return ['  the drill measured no RPO (measurements.rpo is missing)'];
  const lines = [
    `  lostAckedWrites: ${rpo.lostAckedWrites ?? 'not measured'}${ledger ? ` of ${ledger.acked} acknowledged` : ''}`,
  ];
  if (rpo.firstLostSeq !== undefined)
    lines.push(`  lost writes: seq ${rpo.firstLostSeq}..${rpo.lastLostSeq ?? rpo.firstLostSeq}`);
  if (rpo.lostSeconds !== undefined) lines.push(`  lostSeconds: ${rpo.lostSeconds}`);
  if (rpo.recoveryPoint) lines.push(`  recovery point: ${rpo.recoveryPoint.description}`);
  if (rpo.lostBeforeTarget !== undefined) lines.push(`  lostBeforeTarget: ${rpo.lostBeforeTarget}`);
  if (rpo.discardedAfterTarget !== undefined) lines.push(`  discardedAfterTarget: ${rpo.discardedAfterTarget}`);
  for (const [table, t] of Object.entries(rpo.tables ?? {}))
    if (t.lost > 0) lines.push(`  table ${table}: ${t.lost} of ${t.acked} acknowledged writes lost`);
  const ledgerChecks = j.checks.filter((c) => c.covers?.includes('ledger') || c.name.startsWith('ledger'));
  for (const c of ledgerChecks) lines.push(...checkLines(c));
  return lines;
}

/** The RTO evidence: service and data recovery times and the steps between the fault and verified data. */
export function recoveryLines(j: Journal): string[] {
  const rto = j.measurements.rto;
  if (!rto) return ['  the drill measured no RTO (measurements.rto is missing)'];
  const lines: string[] = [];
  if (rto.serviceSeconds !== undefined) lines.push(`  rto.serviceSeconds: ${rto.serviceSeconds}`);
  if (rto.dataRestoredSeconds !== undefined) lines.push(`  rto.dataRestoredSeconds: ${rto.dataRestoredSeconds}`);
  if (rto.verifiedSeconds !== undefined) lines.push(`  rto.verifiedSeconds: ${rto.verifiedSeconds}`);
  if (rto.phases?.length) lines.push(`  steps: ${rto.phases.map((p) => `${p.name} ${p.seconds}s`).join(', ')}`);
  return lines;
}

function compact(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return oneLine(text ?? String(value));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
