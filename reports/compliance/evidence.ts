import type { Journal } from '../../harness/engine/journal.js';
import { auditOf } from '../../harness/evidence/audit-record.js';
import type { Compliance } from '../drp/compliance.js';
import { addInterval, testedBy } from '../drp/cadence.js';
import { formatDate, formatDateTime, formatMetric, metricLabel } from '../format.js';
import type { EvidenceId, EvidenceItem } from './control-map.js';

/** One drill's latest record, with where its files are for links (relative to the audited directory). */
export interface DrillRecord {
  journal: Journal;
  /** Its report.html, for links with anchors; absent when only the journal is there. */
  report?: string;
  journalPath: string;
  bundle?: BundleStatus;
}

/** An evidence bundle found for the drill, and whether it still matches its manifest. */
export interface BundleStatus {
  dir: string;
  ok: boolean;
  problems: string[];
  files: number;
  signature: 'valid' | 'invalid' | 'absent' | 'not-checked';
}

export interface EvidenceContext {
  drills: DrillRecord[];
  compliance?: Compliance;
  /** Where the compliance page is, for links to the plan's evidence. */
  complianceHref?: string;
  asOf: Date;
}

export interface EvidenceLink {
  drill?: string;
  text: string;
  href?: string;
}

export type ItemStatus = 'satisfied' | 'gap' | 'missing';

export interface ItemResult {
  item: EvidenceItem;
  status: ItemStatus;
  evidence: EvidenceLink[];
  /** What is missing or wrong, each naming the drill or procedure. */
  gaps: string[];
}

type Found = { evidence: EvidenceLink[]; gaps: string[] };
type Resolver = (ctx: EvidenceContext) => Found;

/** Finds one evidence item in the drill records (and the plan); missing when no evidence at all. */
export function resolveItem(item: EvidenceItem, ctx: EvidenceContext): ItemResult {
  const { evidence, gaps } = RESOLVERS[item.id](ctx);
  const status: ItemStatus = evidence.length === 0 ? 'missing' : gaps.length ? 'gap' : 'satisfied';
  return { item, status, evidence, gaps: status === 'missing' ? [...gaps, item.provide] : gaps };
}

/** One resolver per evidence item: where drdrill records it. */
const RESOLVERS: { [K in EvidenceId]: Resolver } = {
  'backup-policy': ({ drills, compliance, complianceHref }) => {
    if (!compliance) return { evidence: [], gaps: ['no backup policy: no disaster-recovery plan was given'] };
    const evidence: EvidenceLink[] = [];
    const gaps: string[] = [];
    for (const b of compliance.backups) {
      const restored = b.exercisedBy.length
        ? `restored in ${b.exercisedBy.map((e) => `${e.drill} (${e.date})`).join(', ')}`
        : 'not restored by any passing drill';
      evidence.push({
        text: `plan "${compliance.plan.metadata.name}": ${b.kind}, ${b.schedule}; ${restored}`,
        ...href(complianceHref),
      });
      const planned = compliance.plan.backupSchedule.find((s) => s.kind === b.kind);
      if (planned?.methods.length && !b.exercisedBy.length)
        gaps.push(`${b.kind} (${planned.methods.join(', ')}): no passing drill restored one`);
    }
    for (const d of drills)
      for (const bk of d.journal.backups)
        evidence.push({
          drill: d.journal.drill,
          text: `${d.journal.drill} took and used ${bk.method} backup ${bk.id}${bk.sha256 ? ` (sha256 ${bk.sha256.slice(0, 12)}…)` : ''}`,
          ...href(link(d, 'backups')),
        });
    return { evidence, gaps };
  },

  runbook: ({ drills }) =>
    perDrill(drills, (d) => {
      const rb = auditOf(d.journal).runbook;
      if (!rb) return { gap: `${d.journal.drill} records no runbook (metadata.runbook)` };
      return {
        text: `${d.journal.drill} followed ${rb.url ?? rb.path}${rb.version ? ` @ ${rb.version}` : ''} (${procedureWords(d.journal.scenario.parsed)})`,
        anchor: 'audit',
        ...(rb.version ? {} : { gap: `${d.journal.drill}: the runbook has no version (metadata.runbook.version)` }),
      };
    }),

  objectives: ({ drills, compliance, complianceHref }) => {
    const found = perDrill(drills, (d) => {
      const targets = d.journal.objectives.map((o) => o.source);
      const has = (kind: string) => d.journal.objectives.some((o) => o.metric.startsWith(kind));
      if (!targets.length) return { gap: `${d.journal.drill} sets no objective` };
      const lacking = ['rto', 'rpo'].filter((k) => !has(k));
      return {
        text: `${d.journal.drill}: ${targets.join(', ')}`,
        anchor: 'objectives',
        ...(lacking.length
          ? { gap: `${d.journal.drill} sets no ${lacking.join(' or ').toUpperCase()} objective` }
          : {}),
      };
    });
    if (compliance)
      found.evidence.unshift({
        text: `plan "${compliance.plan.metadata.name}": RTO ${compliance.plan.objectives.rto}, RPO ${compliance.plan.objectives.rpo}; ${compliance.procedures.length} procedures with expected times`,
        ...href(complianceHref),
      });
    return found;
  },

  'measured-vs-target': ({ drills }) =>
    perDrill(drills, (d) => {
      const j = d.journal;
      if (!j.objectives.length) return { gap: `${j.drill}: nothing to measure against (no objective)` };
      const fault = j.events.find((e) => e.kind === 'fault');
      const back = j.events.find((e) => e.kind === 'service');
      const figures = j.objectives.map(
        (o) =>
          `${metricLabel(o.metric)} ${formatMetric(o.metric, o.actual)} (${o.comparator} ${formatMetric(o.metric, o.threshold)}: ${o.status})`,
      );
      const times = fault
        ? `; fault ${formatDateTime(fault.time)}${back ? `, service back ${formatDateTime(back.time)}` : ''}`
        : '';
      const bad = j.objectives.filter((o) => o.status !== 'met');
      return {
        text: `${j.drill}: ${figures.join(', ')}${times}`,
        anchor: 'objectives',
        ...(bad.length
          ? {
              gap: bad
                .map((o) =>
                  o.status === 'missed'
                    ? `${j.drill} missed ${o.source} (measured ${formatMetric(o.metric, o.actual)})`
                    : `${j.drill} did not measure ${o.source}`,
                )
                .join('; '),
            }
          : {}),
      };
    }),

  'test-date-cadence': ({ drills, compliance, complianceHref, asOf }) => {
    const found = perDrill(drills, (d) => {
      const j = d.journal;
      if (!testedBy(j)) return { gap: `${j.drill}: the latest run ended ${j.verdict}, so it tested nothing` };
      // DORA's floor whatever the plan says: at least yearly.
      const due = addInterval(new Date(j.startedAt), { months: 12 });
      return {
        text: `${j.drill} tested ${formatDate(j.startedAt)} (${j.verdict})`,
        anchor: 'phases',
        ...(due < asOf ? { gap: `${j.drill} was last tested ${formatDate(j.startedAt)}, more than a year ago` } : {}),
      };
    });
    if (!compliance) {
      found.gaps.push('cadence not checked: no disaster-recovery plan was given');
      return found;
    }
    for (const p of compliance.procedures) {
      const s = p.schedule;
      const last = s.lastTested ? `last tested ${formatDate(s.lastTested.startedAt)}` : 'never tested';
      const next = s.nextDue ? `next due ${formatDate(s.nextDue)}` : 'due now';
      found.evidence.push({
        text: `procedure ${p.id} (${s.every}): ${last}, ${next}${s.overdue ? ', OVERDUE' : ''}`,
        ...href(complianceHref),
      });
      if (s.overdue)
        found.gaps.push(
          s.lastTested
            ? `procedure ${p.id} is overdue: last tested ${formatDate(s.lastTested.startedAt)}, due ${formatDate(s.nextDue!)} (${s.every})`
            : `procedure ${p.id} was never tested (${s.every})`,
        );
    }
    for (const c of compliance.cadences.filter((x) => x.scope === 'any-procedure' && x.schedule?.lastTested))
      found.evidence.push({
        text: `"${c.source}": last done ${formatDate(c.schedule!.lastTested!.startedAt)} (${c.schedule!.lastTested!.drill}), next due ${formatDate(c.schedule!.nextDue!)}${c.status === 'overdue' ? ', OVERDUE' : ''}`,
        ...href(complianceHref),
      });
    for (const c of compliance.cadences.filter((x) => x.status === 'overdue' && x.scope === 'any-procedure'))
      found.gaps.push(
        `"${c.source}" is overdue: ${c.schedule?.lastTested ? `last done ${formatDate(c.schedule.lastTested.startedAt)}` : 'never done'}`,
      );
    return found;
  },

  'integrity-checks': ({ drills }) =>
    perDrill(drills, (d) => {
      const j = d.journal;
      // Checks of the restored data: those of the verify phase when the journal says which phase ran them.
      const checks = j.checks.some((c) => 'phase' in c)
        ? j.checks.filter((c) => (c as { phase?: string }).phase === 'verify')
        : j.checks;
      if (!checks.length) return { gap: `${j.drill} ran no check on the restored data` };
      const passed = checks.filter((c) => c.status === 'passed');
      const bad = checks.filter((c) => c.status === 'failed' || c.status === 'error');
      const verify = j.phases.find((p) => p.name === 'verify');
      const problems = [
        ...bad.map((c) => `${c.status} ${c.name}`),
        ...(verify && verify.status !== 'passed'
          ? [
              `the verify phase ${verify.status === 'skipped' ? 'never ran' : `ended ${verify.status}`}, so the restored data was not checked`,
            ]
          : []),
      ];
      return {
        text: `${j.drill}: ${passed.length} of ${checks.length} checks passed (${checks.map((c) => `${c.name}: ${c.status}`).join('; ')})`,
        anchor: 'checks',
        ...(problems.length ? { gap: `${j.drill}: ${problems.join('; ')}` } : {}),
      };
    }),

  isolation: ({ drills }) =>
    perDrill(drills, (d) => {
      const env = d.journal.environment;
      if (!env) return { gap: `${d.journal.drill} stopped before its environment was described` };
      const where = env.kind === 'testcontainers' ? 'containers on a network of its own' : 'its own local instances';
      return {
        text: `${d.journal.drill} restored into ${where} (${env.kind}${d.journal.runId ? `, run ${d.journal.runId}` : ''}), object store ${env.objectStore.kind} bucket ${env.objectStore.bucket}`,
        anchor: 'environment',
      };
    }),

  rationale: ({ drills }) =>
    perDrill(drills, (d) => {
      const why = auditOf(d.journal).rationale;
      if (!why) return { gap: `${d.journal.drill} records no rationale (metadata.rationale)` };
      return { text: `${d.journal.drill}: ${why}`, anchor: 'audit' };
    }),

  timeline: ({ drills }) =>
    perDrill(drills, (d) => {
      const j = d.journal;
      const a = auditOf(j);
      const who = a.operator
        ? `run by ${a.operator}${a.approver ? `, approved by ${a.approver}` : ''}`
        : 'operator not recorded';
      return {
        text: `${j.drill}: ${j.phases.filter((p) => p.status !== 'skipped').length} timed phases and ${j.events.length} events, ${formatDateTime(j.startedAt)} – ${formatDateTime(j.finishedAt)}; ${who}`,
        anchor: 'phases',
        ...(a.operator ? {} : { gap: `${j.drill} records no operator (drdrill run --operator)` }),
      };
    }),

  findings: ({ drills }) => {
    const evidence: EvidenceLink[] = [];
    const gaps: string[] = [];
    for (const d of drills) {
      const findings = auditOf(d.journal).findings ?? [];
      for (const f of findings)
        evidence.push({
          drill: d.journal.drill,
          text: `${d.journal.drill}, ${formatDate(f.at)}${f.by ? ` by ${f.by}` : ''}: ${f.finding}${f.remediation ? ` — remediation: ${f.remediation}` : ''}`,
          ...href(link(d, 'findings')),
        });
      if (!findings.length && d.journal.verdict !== 'passed')
        gaps.push(`${d.journal.drill} ended ${d.journal.verdict} and no finding or remediation is recorded`);
    }
    return { evidence, gaps };
  },

  'tamper-evidence': ({ drills }) =>
    perDrill(drills, (d) => {
      const b = d.bundle;
      if (!b) return { gap: `${d.journal.drill} has no evidence bundle` };
      const sig = {
        valid: 'signature valid',
        invalid: 'SIGNATURE INVALID',
        absent: 'unsigned',
        'not-checked': 'signed (signature not checked: give --key-env)',
      }[b.signature];
      return {
        text: `${b.dir}: ${b.ok ? `${b.files} files match the manifest` : `DOES NOT VERIFY (${b.problems[0]})`}; ${sig}`,
        href: `${b.dir}/manifest.json`,
        ...(b.ok ? {} : { gap: `${b.dir} does not verify: ${b.problems.join('; ')}` }),
      };
    }),
};

/** Evidence from each drill: a line (with a link into its report) and/or a gap. */
function perDrill(
  drills: DrillRecord[],
  fn: (d: DrillRecord) => { text?: string; anchor?: string; href?: string; gap?: string },
): Found {
  const evidence: EvidenceLink[] = [];
  const gaps: string[] = [];
  for (const d of drills) {
    const r = fn(d);
    if (r.text)
      evidence.push({
        drill: d.journal.drill,
        text: r.text,
        ...href(r.href ?? (r.anchor ? link(d, r.anchor) : undefined)),
      });
    if (r.gap) gaps.push(r.gap);
  }
  return { evidence, gaps };
}

function link(d: DrillRecord, anchor: string): string {
  return d.report ? `${d.report}#${anchor}` : d.journalPath;
}

function href(h: string | undefined): { href?: string } {
  return h ? { href: h } : {};
}

/** What the run did, for the runbook line: a drill's recovery procedure, a restore test's backup format. */
function procedureWords(scenario: Journal['scenario']['parsed']): string {
  return scenario.kind === 'RestoreTest'
    ? `restore test of ${scenario.source.format.type} backups`
    : `procedure: ${scenario.recovery.procedure}`;
}
