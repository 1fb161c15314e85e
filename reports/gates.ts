import { DrillError } from '../harness/engine/errors.js';
import type { Journal } from '../harness/engine/journal.js';
import type { FrameworkAudit } from './compliance/audit.js';
import { missingItems } from './compliance/audit.js';
import type { Compliance } from './drp/compliance.js';
import { formatDate } from './format.js';

/** Conditions `--fail-on` turns into exit code 1, so CI fails when the plan is not met. */
export const FAIL_ON = ['missed-objective', 'overdue', 'untested'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export const FAIL_ON_HELP =
  "exit 1 when: missed-objective (a latest drill missed or did not measure an objective, or the plan's RTO, RPO or a procedure's expected time), overdue (a procedure or testing cadence of the plan is past due), untested (a procedure of the plan has no drill result; for audit, also an evidence item with no evidence)";

export function parseFailOn(
  list: string | undefined,
  opts: { hasPlan: boolean; command: 'report' | 'audit' },
): FailOn[] {
  if (!list) return [];
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names)
    if (!(FAIL_ON as readonly string[]).includes(name))
      throw new DrillError('invalid-config', `--fail-on: unknown condition "${name}"; expected ${FAIL_ON.join(', ')}`);
  const needsPlan = names.filter((n) => n === 'overdue' || (n === 'untested' && opts.command === 'report'));
  if (needsPlan.length && !opts.hasPlan)
    throw new DrillError(
      'invalid-config',
      `--fail-on ${needsPlan.join(',')} needs --drp plan.yaml: procedures and their cadence come from the plan`,
    );
  return names as FailOn[];
}

/** One line per reason the gate fails; empty when it passes. */
export function gateFailures(
  gates: FailOn[],
  input: { journals: Journal[]; compliance?: Compliance; audit?: FrameworkAudit },
): string[] {
  const out: string[] = [];
  const { compliance } = input;
  if (gates.includes('missed-objective')) {
    for (const j of latestPerDrill(input.journals))
      for (const o of j.objectives.filter((ob) => ob.status !== 'met'))
        out.push(
          `missed-objective: ${j.drill} (${formatDate(j.startedAt)}) ${o.status === 'missed' ? `missed ${o.source} (measured ${o.actual})` : `did not measure ${o.source}`}`,
        );
    for (const p of compliance?.procedures.filter((x) => x.objectiveMissed) ?? [])
      out.push(`missed-objective: procedure ${p.id}: ${p.reasons.join('; ')}`);
  }
  if (gates.includes('overdue') && compliance) {
    for (const p of compliance.procedures.filter((x) => x.schedule.overdue))
      out.push(
        p.schedule.lastTested
          ? `overdue: procedure ${p.id} was last tested ${formatDate(p.schedule.lastTested.startedAt)} and was due ${formatDate(p.schedule.nextDue!)} (${p.schedule.every})`
          : `overdue: procedure ${p.id} was never tested (${p.schedule.every})`,
      );
    for (const c of compliance.cadences.filter((x) => x.status === 'overdue' && x.scope === 'any-procedure'))
      out.push(
        `overdue: "${c.source}" was ${c.schedule?.lastTested ? `last done ${formatDate(c.schedule.lastTested.startedAt)}, due ${formatDate(c.schedule.nextDue!)}` : 'never done'}`,
      );
  }
  if (gates.includes('untested')) {
    for (const p of compliance?.procedures.filter((x) => x.status === 'not-tested' && !x.latest) ?? [])
      out.push(`untested: procedure ${p.id} has no drill result (${p.drills.join(' or ')})`);
    if (input.audit)
      for (const i of missingItems(input.audit))
        out.push(`untested: no evidence of "${i.item.title}" (${i.item.provide})`);
  }
  return out;
}

function latestPerDrill(journals: Journal[]): Journal[] {
  const latest = new Map<string, Journal>();
  for (const j of journals) {
    const prev = latest.get(j.drill);
    if (!prev || prev.startedAt < j.startedAt) latest.set(j.drill, j);
  }
  return [...latest.values()];
}

/** Prints every failed condition, then fails with the first (exit code 1). */
export function enforceGates(failures: string[]): void {
  if (!failures.length) return;
  for (const f of failures.slice(1)) process.stderr.write(`drdrill: ${f}\n`);
  throw new DrillError(
    'failed',
    `--fail-on: ${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more above)` : ''}`,
  );
}
