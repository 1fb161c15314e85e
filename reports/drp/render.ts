import { join } from 'node:path';
import { formatDate, formatSeconds, statusSymbol } from '../format.js';
import { renderTemplate } from '../templates.js';
import { writeReport } from '../write.js';
import type { Compliance } from './compliance.js';

export const COMPLIANCE_HTML = 'compliance.html';
export const COMPLIANCE_MD = 'compliance.md';

const WORDS = { met: 'MET', 'not-met': 'NOT MET', 'not-tested': 'NOT TESTED' } as const;

function complianceView(c: Compliance, reportFile: string) {
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
    })),
    backups: c.backups.map((b) => ({
      ...b,
      exercised: b.exercisedBy.length
        ? b.exercisedBy.map((e) => `${e.drill} (${e.date})`).join(', ')
        : 'not exercised by any drill',
    })),
    cadence: c.plan.testing.cadence,
    contacts: c.plan.contacts,
  };
}

export function renderComplianceHtml(c: Compliance): string {
  return renderTemplate('compliance.html.hbs', complianceView(c, 'report.html'));
}

export function renderComplianceMarkdown(c: Compliance): string {
  return renderTemplate('compliance.md.hbs', complianceView(c, 'report.md')).replace(/\n{3,}/g, '\n\n');
}

export async function writeCompliance(
  c: Compliance,
  outDir: string,
  formats: { html: boolean; md: boolean },
): Promise<string[]> {
  const out: string[] = [];
  if (formats.html) out.push(await writeReport(join(outDir, COMPLIANCE_HTML), renderComplianceHtml(c)));
  if (formats.md) out.push(await writeReport(join(outDir, COMPLIANCE_MD), renderComplianceMarkdown(c)));
  return out;
}
