import type { Journal } from '../../harness/engine/journal.js';
import { formatDate, formatSeconds } from '../format.js';
import { schedule, type Cadence, type CadenceScope, type Schedule } from './cadence.js';
import { planCadences, planSeconds, type Plan } from './plan.js';

export type ComplianceStatus = 'met' | 'not-met' | 'not-tested';

export interface ProcedureCompliance {
  id: string;
  title: string;
  expectedSeconds: number;
  drills: string[];
  status: ComplianceStatus;
  /** The drill result the status rests on. */
  latest?: {
    drill: string;
    startedAt: string;
    verdict: string;
    recoverySeconds: number | null;
    dataLossSeconds: number | null;
  };
  reasons: string[];
  /** The latest drill missed the procedure's expected time, the plan's RTO or RPO, or its own objectives. */
  objectiveMissed: boolean;
  /** Last tested, next due and overdue under the strictest cadence that applies to this procedure. */
  schedule: Schedule;
}

/** One line of the plan's testing section, assessed. */
export interface CadenceCompliance {
  source: string;
  every: string;
  what: string;
  scope: CadenceScope;
  procedures: string[];
  status: 'on-time' | 'overdue' | 'not-assessed';
  /** any-procedure: the latest drill of any of them. */
  schedule?: Schedule;
  /** each-procedure: the procedures that are overdue under this line. */
  overdueProcedures: string[];
  note?: string;
}

export interface Compliance {
  plan: Plan;
  rtoSeconds: number;
  rpoSeconds: number;
  assessedAt: string;
  status: ComplianceStatus;
  procedures: ProcedureCompliance[];
  cadences: CadenceCompliance[];
  backups: { kind: string; schedule: string; exercisedBy: { drill: string; date: string }[] }[];
}

/** Maps each procedure of the plan to its latest drill and says met, not met or not tested, and why. */
export function assessCompliance(plan: Plan, journals: Journal[], now: Date = new Date()): Compliance {
  const rtoSeconds = planSeconds(plan.objectives.rto);
  const rpoSeconds = planSeconds(plan.objectives.rpo);
  const cadences = planCadences(plan);
  const procedures = plan.procedures.map((p): ProcedureCompliance => {
    const expectedSeconds = planSeconds(p.expected);
    const base = {
      id: p.id,
      title: p.title,
      expectedSeconds,
      drills: p.drills,
      objectiveMissed: false,
      schedule: procedureSchedule(plan, cadences, p, journals, now),
    };
    const latest = journals
      .filter((j) => p.drills.includes(j.drill) && Date.parse(j.startedAt) <= now.getTime())
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    if (!latest) return { ...base, status: 'not-tested', reasons: [`no result for drill ${p.drills.join(' or ')}`] };
    const recoverySeconds = latest.measurements.rto?.verifiedSeconds ?? latest.measurements.rto?.serviceSeconds ?? null;
    const dataLossSeconds = lossSeconds(latest);
    const summary = {
      drill: latest.drill,
      startedAt: latest.startedAt,
      verdict: latest.verdict,
      recoverySeconds,
      dataLossSeconds,
    };
    const ageDays = (now.getTime() - Date.parse(latest.startedAt)) / 86_400_000;
    if (ageDays > plan.testing.maxAgeDays)
      return {
        ...base,
        status: 'not-tested',
        latest: summary,
        reasons: [
          `last tested ${formatDate(latest.startedAt)}, ${Math.floor(ageDays)} days ago: older than the plan's ${plan.testing.maxAgeDays} days`,
        ],
      };
    const reasons: string[] = [];
    const missedBefore = (n: number) => reasons.length > n;
    if (latest.verdict !== 'passed')
      reasons.push(
        `the latest drill ${latest.verdict === 'error' ? 'ended in error' : latest.verdict}${latest.reason ? `: ${latest.reason}` : ''}`,
      );
    const beforeFigures = reasons.length;
    for (const o of latest.objectives.filter((ob) => ob.status !== 'met' && !latest.reason?.includes(ob.source)))
      reasons.push(`objective ${o.source} ${o.status === 'missed' ? `missed (measured ${o.actual})` : 'not measured'}`);
    if (recoverySeconds === null) reasons.push('recovery time was not measured');
    else {
      if (recoverySeconds > expectedSeconds)
        reasons.push(`recovered in ${formatSeconds(recoverySeconds)}, the procedure expects ${p.expected}`);
      if (recoverySeconds > rtoSeconds)
        reasons.push(`recovered in ${formatSeconds(recoverySeconds)}, over the plan's RTO of ${plan.objectives.rto}`);
    }
    if (dataLossSeconds === null) reasons.push('data loss was not measured');
    else if (dataLossSeconds > rpoSeconds)
      reasons.push(
        `lost ${formatSeconds(dataLossSeconds)} of acknowledged writes, over the plan's RPO of ${plan.objectives.rpo}`,
      );
    return {
      ...base,
      status: reasons.length ? 'not-met' : 'met',
      latest: summary,
      reasons,
      objectiveMissed: missedBefore(beforeFigures),
    };
  });
  const status: ComplianceStatus = procedures.every((p) => p.status === 'met')
    ? 'met'
    : procedures.some((p) => p.status === 'not-met')
      ? 'not-met'
      : 'not-tested';
  return {
    plan,
    rtoSeconds,
    rpoSeconds,
    assessedAt: now.toISOString(),
    status,
    procedures,
    cadences: cadences.map((c) => assessCadence(c, plan, journals, now)),
    backups: backupCoverage(plan, journals),
  };
}

/** The strictest each-procedure cadence that names the procedure; else the plan's testing.maxAgeDays. */
function procedureSchedule(
  plan: Plan,
  cadences: Cadence[],
  procedure: Plan['procedures'][number],
  journals: Journal[],
  now: Date,
): Schedule {
  const strictest = cadences
    .filter((c) => c.scope === 'each-procedure' && c.interval !== 'continuous' && c.procedures.includes(procedure.id))
    .sort((a, b) => intervalOf(a) - intervalOf(b))[0];
  if (strictest && strictest.interval !== 'continuous')
    return schedule(procedure.drills, journals, strictest.interval, strictest.every, now);
  const days = plan.testing.maxAgeDays;
  return schedule(procedure.drills, journals, { days }, `within ${days} days`, now);
}

function intervalOf(c: Cadence): number {
  if (c.interval === 'continuous') return Infinity;
  return 'days' in c.interval ? c.interval.days : c.interval.months * 30.44;
}

function assessCadence(c: Cadence, plan: Plan, journals: Journal[], now: Date): CadenceCompliance {
  const base = { source: c.source, every: c.every, what: c.what, scope: c.scope, procedures: c.procedures };
  if (c.interval === 'continuous')
    return {
      ...base,
      status: 'not-assessed',
      overdueProcedures: [],
      note: 'continuous verification runs outside drills; drill journals cannot show it',
    };
  const procedures = plan.procedures.filter((p) => c.procedures.includes(p.id));
  if (c.scope === 'any-procedure') {
    const s = schedule(
      procedures.flatMap((p) => p.drills),
      journals,
      c.interval,
      c.every,
      now,
    );
    return { ...base, status: s.overdue ? 'overdue' : 'on-time', schedule: s, overdueProcedures: [] };
  }
  const interval = c.interval;
  const overdueProcedures = procedures
    .filter((p) => schedule(p.drills, journals, interval, c.every, now).overdue)
    .map((p) => p.id);
  return { ...base, status: overdueProcedures.length ? 'overdue' : 'on-time', overdueProcedures };
}

/**
 * Seconds of acknowledged writes lost: 0 when none was lost. For a point-in-time restore, writes after the
 * recovery target are discarded on purpose and do not count.
 */
function lossSeconds(j: Journal): number | null {
  const rpo = j.measurements.rpo;
  if (!rpo) return null;
  const lost = rpo.lostBeforeTarget ?? rpo.lostAckedWrites;
  if (lost === undefined) return null;
  if (lost === 0) return 0;
  // lostSeconds spans first to last lost write; a single lost write still lost some data.
  return Math.max(rpo.lostSeconds ?? 0, 0.001);
}

function backupCoverage(plan: Plan, journals: Journal[]): Compliance['backups'] {
  return plan.backupSchedule.map((b) => {
    const exercisedBy = new Map<string, string>();
    for (const j of journals) {
      if (j.verdict !== 'passed') continue;
      if (j.backups.some((bk) => b.methods.includes(bk.method))) {
        const previous = exercisedBy.get(j.drill);
        if (!previous || previous < j.startedAt) exercisedBy.set(j.drill, j.startedAt);
      }
    }
    return {
      kind: b.kind,
      schedule: b.schedule,
      exercisedBy: [...exercisedBy].map(([drill, at]) => ({ drill, date: formatDate(at) })),
    };
  });
}
