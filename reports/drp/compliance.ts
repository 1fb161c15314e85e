import type { Journal } from '../../harness/engine/journal.js';
import { formatDate, formatSeconds } from '../format.js';
import { planSeconds, type Plan } from './plan.js';

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
}

export interface Compliance {
  plan: Plan;
  rtoSeconds: number;
  rpoSeconds: number;
  assessedAt: string;
  status: ComplianceStatus;
  procedures: ProcedureCompliance[];
  backups: { kind: string; schedule: string; exercisedBy: { drill: string; date: string }[] }[];
}

/** Maps each procedure of the plan to its latest drill and says met, not met or not tested, and why. */
export function assessCompliance(plan: Plan, journals: Journal[], now: Date = new Date()): Compliance {
  const rtoSeconds = planSeconds(plan.objectives.rto);
  const rpoSeconds = planSeconds(plan.objectives.rpo);
  const procedures = plan.procedures.map((p): ProcedureCompliance => {
    const expectedSeconds = planSeconds(p.expected);
    const base = { id: p.id, title: p.title, expectedSeconds, drills: p.drills };
    const latest = journals
      .filter((j) => p.drills.includes(j.drill))
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
    if (latest.verdict !== 'passed')
      reasons.push(
        `the latest drill ${latest.verdict === 'error' ? 'ended in error' : latest.verdict}${latest.reason ? `: ${latest.reason}` : ''}`,
      );
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
    return { ...base, status: reasons.length ? 'not-met' : 'met', latest: summary, reasons };
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
    backups: backupCoverage(plan, journals),
  };
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
      if (j.backups.some((bk) => b.methods.includes(bk.method as never))) {
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
