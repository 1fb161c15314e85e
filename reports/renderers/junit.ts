import { join } from 'node:path';
import type { CheckRecord, Journal, ObjectiveResult, PhaseRecord } from '../../harness/engine/journal.js';
import { auditOf } from '../../harness/evidence/audit-record.js';
import { formatMetric, metricLabel } from '../format.js';
import { plainSummary } from '../summary.js';
import type { Reporter } from '../types.js';
import { writeReport } from '../write.js';

export const JUNIT_FILE = 'junit.xml';

type Outcome =
  | { kind: 'passed' }
  | { kind: 'failure' | 'error'; message: string; type: string; body: string }
  | { kind: 'skipped'; message: string };

interface Case {
  name: string;
  time?: number;
  outcome: Outcome;
}

/**
 * One <testsuite> per drill, with one <testcase> per check and one per objective, so a CI page names what
 * failed. A phase that failed or errored outside any check is a testcase of its own, and a failed drill always
 * shows at least one failure. The drill's figures and audit record are the suite's <properties>.
 * Valid against the Jenkins JUnit XSD (junit-10.xsd), which CI systems' parsers follow.
 */
export function renderJUnit(journals: Journal[], suitesName = 'drdrill'): string {
  const suites = journals.map((j) => ({ journal: j, cases: testcases(j) }));
  const all = suites.flatMap((s) => s.cases);
  const time = journals.reduce((s, j) => s + j.seconds, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(suitesName)}" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" time="${seconds(time)}">`,
    ...suites.map((s) => testsuite(s.journal, s.cases)),
    '</testsuites>',
    '',
  ].join('\n');
}

function testsuite(journal: Journal, cases: Case[]): string {
  const lines = [
    `  <testsuite name="${attr(journal.drill)}" tests="${cases.length}" failures="${count(cases, 'failure')}" errors="${count(cases, 'error')}" skipped="${count(cases, 'skipped')}" time="${seconds(journal.seconds)}" timestamp="${attr(journal.startedAt.replace(/Z$/, ''))}" file="${attr(journal.scenario.file)}"${journal.runId ? ` id="${attr(journal.runId)}"` : ''}>`,
    '    <properties>',
    ...properties(journal).map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) lines.push(testcase(journal, c));
  lines.push(`    <system-out>${text(plainSummary(journal).join('\n'))}</system-out>`);
  lines.push('  </testsuite>');
  return lines.join('\n');
}

function testcase(journal: Journal, c: Case): string {
  const open = `    <testcase name="${attr(c.name)}" classname="drdrill.${attr(journal.drill)}"${c.time !== undefined ? ` time="${seconds(c.time)}"` : ''}`;
  const o = c.outcome;
  switch (o.kind) {
    case 'passed':
      return `${open}/>`;
    case 'skipped':
      return `${open}>\n      <skipped message="${attr(o.message)}"/>\n    </testcase>`;
    default:
      return `${open}>\n      <${o.kind} message="${attr(o.message)}" type="${attr(o.type)}">${text(o.body)}</${o.kind}>\n    </testcase>`;
  }
}

export function testcases(journal: Journal): Case[] {
  const cases: Case[] = [
    ...journal.checks.map(checkCase),
    ...journal.objectives.map((o) => objectiveCase(o, journal)),
    ...journal.phases.filter((p) => p.status !== 'passed' && p.status !== 'skipped').map(phaseCase),
  ];
  if (journal.verdict === 'skipped')
    cases.push({ name: 'drill', outcome: { kind: 'skipped', message: journal.reason ?? 'skipped' } });
  else if (journal.verdict === 'failed' && !cases.some((c) => c.outcome.kind === 'failure'))
    cases.push({
      name: 'drill',
      outcome: { kind: 'failure', message: journal.reason ?? 'failed', type: 'drill', body: phaseErrors(journal) },
    });
  else if (isError(journal) && !cases.some((c) => c.outcome.kind === 'error'))
    cases.push({
      name: 'drill',
      outcome: {
        kind: 'error',
        message: journal.reason ?? journal.verdict,
        type: journal.verdict,
        body: phaseErrors(journal),
      },
    });
  return cases;
}

function checkCase(c: CheckRecord): Case {
  const name = `check: ${c.name}`;
  const body = JSON.stringify(c.evidence, null, 2);
  const message = `${c.name}${c.message ? `: ${c.message}` : ''}`;
  switch (c.status) {
    case 'passed':
      return { name, outcome: { kind: 'passed' } };
    case 'skipped':
      return { name, outcome: { kind: 'skipped', message: c.message ?? 'skipped' } };
    case 'failed':
      return { name, outcome: { kind: 'failure', message, type: 'check', body } };
    case 'error':
      return { name, outcome: { kind: 'error', message, type: 'check', body } };
  }
}

function objectiveCase(o: ObjectiveResult, journal: Journal): Case {
  const expr = `${metricLabel(o.metric)} ${o.comparator} ${formatMetric(o.metric, o.threshold)}`;
  const name = `objective: ${expr}`;
  if (o.status === 'met') return { name, outcome: { kind: 'passed' } };
  // A drill that did not finish is reported by its error; its objectives were simply not reached.
  if (o.status === 'not-measured' && isError(journal))
    return {
      name,
      outcome: { kind: 'skipped', message: `not measured: ${UNFINISHED[journal.verdict] ?? journal.verdict}` },
    };
  // Otherwise an objective that could not be measured fails the drill, so it is a failure here too.
  const message =
    o.status === 'missed'
      ? `objective ${expr} missed: measured ${formatMetric(o.metric, o.actual)}`
      : `objective ${expr} could not be assessed: not measured`;
  return {
    name,
    outcome: {
      kind: 'failure',
      message,
      type: 'objective',
      body: `${o.source}\nthreshold: ${o.threshold}\nactual: ${o.actual ?? 'not measured'}`,
    },
  };
}

function phaseCase(p: PhaseRecord): Case {
  const kind = p.status === 'failed' ? 'failure' : 'error';
  return {
    name: `phase: ${p.name}`,
    time: p.seconds,
    outcome: {
      kind,
      message: `${p.name} ${p.status}${p.error ? `: ${p.error}` : ''}`,
      type: p.status,
      body: p.error ?? '',
    },
  };
}

const UNFINISHED: Partial<Record<Journal['verdict'], string>> = {
  error: 'the drill ended in error',
  interrupted: 'the drill was interrupted',
  timedout: 'the drill timed out',
};

function isError(journal: Journal): boolean {
  return journal.verdict === 'error' || journal.verdict === 'interrupted' || journal.verdict === 'timedout';
}

/** The drill's figures (every number under measurements.rto and .rpo, new ones included) and its audit record. */
function properties(journal: Journal): [string, string][] {
  const out: [string, string][] = [['verdict', journal.verdict]];
  if (journal.reason) out.push(['reason', journal.reason]);
  if (journal.runId) out.push(['runId', journal.runId]);
  out.push(['startedAt', journal.startedAt], ['finishedAt', journal.finishedAt]);
  const { rto, rpo } = journal.measurements;
  out.push(...flatten('rto', rto), ...flatten('rpo', rpo));
  for (const p of journal.measurements.rto?.phases ?? []) out.push([`rto.phases.${p.name}`, String(p.seconds)]);
  const audit = auditOf(journal);
  if (audit.owner) out.push(['audit.owner', audit.owner]);
  if (audit.runbook)
    out.push([
      'audit.runbook',
      `${audit.runbook.url ?? audit.runbook.path}${audit.runbook.version ? ` @ ${audit.runbook.version}` : ''}`,
    ]);
  if (audit.rationale) out.push(['audit.rationale', audit.rationale]);
  if (audit.operator) out.push(['audit.operator', audit.operator]);
  if (audit.approver) out.push(['audit.approver', audit.approver]);
  (audit.findings ?? []).forEach((f, i) =>
    out.push([
      `audit.findings.${i + 1}`,
      `${f.at}${f.by ? ` ${f.by}` : ''}: ${f.finding}${f.remediation ? ` — remediation: ${f.remediation}` : ''}`,
    ]),
  );
  return out;
}

/** Numbers and strings of a measurement object, one level of nesting (outage, per-table RPO) flattened with dots. */
function flatten(prefix: string, value: unknown): [string, string][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: [string, string][] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const name = `${prefix}.${key}`;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out.push([name, String(v)]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(name, v));
  }
  return out;
}

function count(cases: Case[], kind: Outcome['kind']): number {
  return cases.filter((c) => c.outcome.kind === kind).length;
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
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

export const junitReporter: Reporter = {
  async renderDrill(journal, drillDir) {
    return [await writeReport(join(drillDir, JUNIT_FILE), renderJUnit([journal], `drdrill.${journal.drill}`))];
  },
  async renderSuite(entries, outDir) {
    return [await writeReport(join(outDir, JUNIT_FILE), renderJUnit(entries.map((e) => e.journal)))];
  },
};
