import { join } from 'node:path';
import { auditAllItems } from '../compliance/audit.js';
import type { DrillRecord } from '../compliance/evidence.js';
import { evidenceTableView } from '../compliance/render.js';
import { formatDate, formatSeconds, statusSymbol } from '../format.js';
import { printPdf } from '../pdf/print.js';
import { renderTemplate } from '../templates.js';
import type { SuiteEntry } from '../types.js';
import { writeReport } from '../write.js';
import type { Schedule } from './cadence.js';
import type { Compliance } from './compliance.js';

export const COMPLIANCE_HTML = 'compliance.html';
export const COMPLIANCE_MD = 'compliance.md';
export const COMPLIANCE_PDF = 'compliance.pdf';

const WORDS = { met: 'MET', 'not-met': 'NOT MET', 'not-tested': 'NOT TESTED' } as const;

function complianceView(c: Compliance, reportFile: string, entries: SuiteEntry[]) {
  return {
    name: c.plan.metadata.name,
    owner: c.plan.metadata.owner,
    reviewed: c.plan.metadata.reviewed,
    rto: c.plan.objectives.rto,
    rpo: c.plan.objectives.rpo,
    assessedAt: formatDate(c.assessedAt),
    maxAgeDays: c.plan.testing.maxAgeDays,
    status: c.status,
    statusWord: WORDS[c.status],
    banner: c.status === 'met' ? 'passed' : c.status === 'not-met' ? 'failed' : 'skipped',
    counts: (['met', 'not-met', 'not-tested'] as const)
      .map((s) => `${c.procedures.filter((p) => p.status === s).length} ${WORDS[s].toLowerCase()}`)
      .join(', '),
    procedures: c.procedures.map((p) => ({
      id: p.id,
      title: p.title,
      expected: formatSeconds(p.expectedSeconds),
      drills: p.drills.join(', '),
      status: p.status,
      statusWord: WORDS[p.status],
      symbol: statusSymbol(p.status),
      date: p.latest ? formatDate(p.latest.startedAt) : 'never',
      drill: p.latest?.drill,
      href: p.latest ? `${p.latest.drill}/${reportFile}` : undefined,
      verdict: p.latest?.verdict ?? '—',
      recovery: formatSeconds(p.latest?.recoverySeconds),
      dataLoss: p.latest
        ? p.latest.dataLossSeconds === null
          ? 'not measured'
          : p.latest.dataLossSeconds === 0
            ? 'none'
            : formatSeconds(p.latest.dataLossSeconds)
        : '—',
      reasons: p.reasons.join('; '),
      ...scheduleView(p.schedule),
    })),
    backups: c.backups.map((b) => ({
      ...b,
      exercised: b.exercisedBy.length
        ? b.exercisedBy.map((e) => `${e.drill} (${e.date})`).join(', ')
        : 'not exercised by any drill',
    })),
    cadences: c.cadences.map((x) => ({
      source: x.source,
      every: x.every,
      what: x.what,
      scope: x.scope === 'each-procedure' ? 'each procedure' : 'any procedure',
      procedures: x.procedures.join(', '),
      status: x.status,
      statusWord: { 'on-time': 'ON TIME', overdue: 'OVERDUE', 'not-assessed': 'NOT ASSESSED' }[x.status],
      symbol: { 'on-time': '✔', overdue: '✘', 'not-assessed': '–' }[x.status],
      detail:
        x.note ??
        (x.schedule
          ? `${x.schedule.lastTested ? `last done ${formatDate(x.schedule.lastTested.startedAt)} (${x.schedule.lastTested.drill})` : 'never done'}${x.schedule.nextDue ? `, next due ${formatDate(x.schedule.nextDue)}` : ''}`
          : x.overdueProcedures.length
            ? `overdue: ${x.overdueProcedures.join(', ')}`
            : 'every procedure on time'),
    })),
    evidence: evidenceTableView(
      auditAllItems({ drills: drillRecords(entries, reportFile), compliance: c, asOf: new Date(c.assessedAt) }),
    ),
    contacts: c.plan.contacts,
  };
}

function scheduleView(s: Schedule) {
  return {
    every: s.every,
    lastTested: s.lastTested ? formatDate(s.lastTested.startedAt) : 'never',
    nextDue: s.nextDue ? formatDate(s.nextDue) : 'now',
    overdue: s.overdue,
    dueWord: s.overdue
      ? s.lastTested
        ? `OVERDUE by ${s.overdueDays} ${s.overdueDays === 1 ? 'day' : 'days'}`
        : 'OVERDUE: never tested'
      : 'on time',
  };
}

/** The latest result of each drill the report renders, linked to its report in the output directory. */
function drillRecords(entries: SuiteEntry[], reportFile: string): DrillRecord[] {
  const latest = new Map<string, SuiteEntry>();
  for (const e of entries) {
    const prev = latest.get(e.journal.drill);
    if (!prev || prev.journal.startedAt < e.journal.startedAt) latest.set(e.journal.drill, e);
  }
  return [...latest.values()].map((e) => ({
    journal: e.journal,
    report: `${e.dir}/${reportFile}`,
    journalPath: `${e.dir}/journal.json`,
  }));
}

/** `entries` are the drill reports rendered beside the page: the evidence table links into them. */
export function renderComplianceHtml(c: Compliance, entries: SuiteEntry[] = []): string {
  return renderTemplate('compliance.html.hbs', complianceView(c, 'report.html', entries));
}

export function renderComplianceMarkdown(c: Compliance, entries: SuiteEntry[] = []): string {
  return renderTemplate('compliance.md.hbs', complianceView(c, 'report.md', entries)).replace(/\n{3,}/g, '\n\n');
}

export async function writeCompliance(
  c: Compliance,
  outDir: string,
  formats: { html: boolean; md: boolean; pdf?: boolean },
  entries: SuiteEntry[] = [],
): Promise<string[]> {
  const out: string[] = [];
  if (formats.html) out.push(await writeReport(join(outDir, COMPLIANCE_HTML), renderComplianceHtml(c, entries)));
  if (formats.md) out.push(await writeReport(join(outDir, COMPLIANCE_MD), renderComplianceMarkdown(c, entries)));
  if (formats.pdf)
    out.push(
      await printPdf(renderComplianceHtml(c, entries), join(outDir, COMPLIANCE_PDF), {
        title: `drdrill · disaster-recovery plan ${c.plan.metadata.name} · assessed ${formatDate(c.assessedAt)}`,
      }),
    );
  return out;
}
