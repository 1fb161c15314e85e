import { formatDate } from '../format.js';
import { renderTemplate } from '../templates.js';
import type { FrameworkAudit } from './audit.js';
import type { EvidenceItem } from './control-map.js';
import type { ItemResult, ItemStatus } from './evidence.js';

export const AUDIT_FORMATS = ['text', 'md', 'html', 'json'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

const WORDS: Record<ItemStatus, string> = { satisfied: 'evidence', gap: 'evidence with gaps', missing: 'missing' };
const SYMBOLS: Record<ItemStatus, string> = { satisfied: '✔', gap: '▲', missing: '✘' };
const CONTROL_WORDS: Record<ItemStatus, string> = { satisfied: 'EVIDENCED', gap: 'GAPS', missing: 'MISSING' };

export function renderAudit(audit: FrameworkAudit, format: AuditFormat, source: string): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ source, ...audit }, null, 2) + '\n';
    case 'md':
      return renderTemplate('audit.md.hbs', auditView(audit, source)).replace(/\n{3,}/g, '\n\n');
    case 'html':
      return renderTemplate('audit.html.hbs', auditView(audit, source));
    default:
      return renderAuditText(audit, source);
  }
}

function counts(audit: FrameworkAudit): string {
  const c = (s: ItemStatus) => audit.controls.filter((x) => x.status === s).length;
  return `${audit.controls.length} controls: ${c('satisfied')} evidenced, ${c('gap')} with gaps, ${c('missing')} missing`;
}

function heading(audit: FrameworkAudit, source: string): string {
  const drills = audit.drills.length ? `${audit.drills.length} drills (${audit.drills.join(', ')})` : 'no drill';
  return `${audit.title}: evidence in ${source} as of ${formatDate(audit.asOf)}, from ${drills}`;
}

/** Plain text for a terminal or a CI log: each control, each item, its evidence with links, what is missing. */
export function renderAuditText(audit: FrameworkAudit, source: string): string {
  const lines = [heading(audit, source), counts(audit), ''];
  const item = (i: ItemResult) => {
    lines.push(`  ${SYMBOLS[i.status]} ${i.item.title}: ${WORDS[i.status]}`);
    for (const e of i.evidence) lines.push(`      ${e.text}${e.href ? `  → ${e.href}` : ''}`);
    for (const g of i.gaps) lines.push(`      ${i.status === 'missing' ? 'missing' : 'gap'}: ${g}`);
  };
  for (const c of audit.controls) {
    lines.push(`${c.id} [${CONTROL_WORDS[c.status]}] ${c.title}`);
    c.items.forEach(item);
    lines.push('');
  }
  if (audit.supporting.length) {
    lines.push('Supporting evidence (no control requires it; it lets an auditor trust the record)');
    audit.supporting.forEach(item);
    lines.push('');
  }
  return lines.join('\n');
}

function itemView(i: ItemResult) {
  return {
    id: i.item.id,
    title: i.item.title,
    status: i.status,
    word: WORDS[i.status],
    symbol: SYMBOLS[i.status],
    evidence: i.evidence,
    gaps: i.gaps,
  };
}

function auditView(audit: FrameworkAudit, source: string) {
  return {
    title: audit.title,
    heading: heading(audit, source),
    counts: counts(audit),
    banner: audit.controls.every((c) => c.status === 'satisfied')
      ? 'passed'
      : audit.controls.some((c) => c.status === 'missing')
        ? 'failed'
        : 'error',
    controls: audit.controls.map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      word: CONTROL_WORDS[c.status],
      items: c.items.map(itemView),
    })),
    supporting: audit.supporting.map(itemView),
  };
}

const FRAMEWORK_LABELS = { dora: 'DORA', soc2: 'SOC 2', iso27001: 'ISO/IEC 27001:2022' } as const;

/** The compliance page's table: each evidence item once, the controls it serves in every framework. */
export function evidenceTableView(items: ItemResult[]) {
  return {
    frameworks: Object.values(FRAMEWORK_LABELS),
    items: items.map((i) => ({
      ...itemView(i),
      controls: (Object.keys(FRAMEWORK_LABELS) as (keyof EvidenceItem['controls'])[]).map((f) =>
        (i.item.controls[f] ?? []).join(', '),
      ),
    })),
  };
}
