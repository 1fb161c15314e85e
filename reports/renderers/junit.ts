import { join } from 'node:path';
import type { Journal } from '../../harness/engine/journal.js';
import { formatMetric, metricLabel } from '../format.js';
import { plainSummary } from '../summary.js';
import type { Reporter } from '../types.js';
import { writeReport } from '../write.js';

export const JUNIT_FILE = 'junit.xml';

interface Failure {
  message: string;
  type: string;
  body: string;
}

/**
 * A drill is one testcase. Each failed check and each missed objective is one <failure>; a drill that
 * could not finish (error, interrupted, timed out) is an <error>; a skipped drill is <skipped>.
 */
export function renderJUnit(journals: Journal[], suiteName = 'drdrill'): string {
  const cases = journals.map(testcase);
  const failed = journals.filter((j) => j.verdict === 'failed').length;
  const errors = journals.filter((j) => isError(j)).length;
  const skipped = journals.filter((j) => j.verdict === 'skipped').length;
  const time = journals.reduce((s, j) => s + j.seconds, 0);
  const timestamp = journals.map((j) => j.startedAt).sort()[0] ?? new Date(0).toISOString();
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(suiteName)}" tests="${journals.length}" failures="${failed}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}">`,
    `  <testsuite name="${attr(suiteName)}" tests="${journals.length}" failures="${failed}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}" timestamp="${attr(timestamp.replace(/Z$/, ''))}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(journal: Journal): string {
  const lines = [
    `    <testcase name="${attr(journal.drill)}" classname="drdrill.${attr(journal.drill)}" file="${attr(journal.scenario.file)}" time="${seconds(journal.seconds)}">`,
  ];
  lines.push('      <properties>');
  lines.push(`        <property name="verdict" value="${attr(journal.verdict)}"/>`);
  for (const [name, value] of properties(journal))
    lines.push(`        <property name="${attr(name)}" value="${attr(value)}"/>`);
  lines.push('      </properties>');
  if (journal.verdict === 'skipped') lines.push(`      <skipped message="${attr(journal.reason ?? 'skipped')}"/>`);
  if (isError(journal))
    lines.push(
      `      <error message="${attr(journal.reason ?? journal.verdict)}" type="${attr(journal.verdict)}">${text(phaseErrors(journal))}</error>`,
    );
  for (const f of failures(journal))
    lines.push(`      <failure message="${attr(f.message)}" type="${attr(f.type)}">${text(f.body)}</failure>`);
  lines.push(`      <system-out>${text(plainSummary(journal).join('\n'))}</system-out>`);
  lines.push('    </testcase>');
  return lines.join('\n');
}

export function failures(journal: Journal): Failure[] {
  const out: Failure[] = journal.checks
    .filter((c) => c.status === 'failed')
    .map((c) => ({
      message: `${c.name}${c.message ? `: ${c.message}` : ''}`,
      type: 'check',
      body: JSON.stringify(c.evidence, null, 2),
    }));
  for (const o of journal.objectives.filter((ob) => ob.status === 'missed')) {
    out.push({
      message: `objective ${metricLabel(o.metric)} ${o.comparator} ${formatMetric(o.metric, o.threshold)} missed: measured ${formatMetric(o.metric, o.actual)}`,
      type: 'objective',
      body: `${o.source}\nthreshold: ${o.threshold}\nactual: ${o.actual}`,
    });
  }
  // A failed verdict always shows as a failure, even when a phase (not a check) failed.
  if (journal.verdict === 'failed' && out.length === 0)
    out.push({ message: journal.reason ?? 'failed', type: 'drill', body: phaseErrors(journal) });
  return out;
}

function isError(journal: Journal): boolean {
  return journal.verdict === 'error' || journal.verdict === 'interrupted' || journal.verdict === 'timedout';
}

function properties(journal: Journal): [string, string][] {
  const out: [string, string][] = [];
  const { rto, rpo } = journal.measurements;
  if (rto?.serviceSeconds !== undefined) out.push(['rto.serviceSeconds', String(rto.serviceSeconds)]);
  if (rto?.verifiedSeconds !== undefined) out.push(['rto.verifiedSeconds', String(rto.verifiedSeconds)]);
  if (rpo?.lostAckedWrites !== undefined) out.push(['rpo.lostAckedWrites', String(rpo.lostAckedWrites)]);
  out.push(['startedAt', journal.startedAt]);
  return out;
}

function phaseErrors(journal: Journal): string {
  return journal.phases
    .filter((p) => p.error)
    .map((p) => `${p.name} (${p.status}): ${p.error}`)
    .join('\n');
}

function seconds(s: number): string {
  return s.toFixed(3);
}

// XML 1.0 forbids most control characters even when escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

export const junitReporter: Reporter = {
  async renderDrill(journal, drillDir) {
    return [await writeReport(join(drillDir, JUNIT_FILE), renderJUnit([journal], `drdrill.${journal.drill}`))];
  },
  async renderSuite(entries, outDir) {
    return [await writeReport(join(outDir, JUNIT_FILE), renderJUnit(entries.map((e) => e.journal)))];
  },
};
