import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { afterAll, describe, expect, test } from 'vitest';
import type { Journal } from '../../harness/engine/journal.js';
import { packageRoot } from '../../harness/util/paths.js';
import { FIXTURES, loadFixture, type FixtureName } from '../fixtures/index.js';
import { renderDrillReports, renderSuiteReports } from '../index.js';
import { renderJUnit } from './junit.js';

const out = mkdtempSync(join(tmpdir(), 'drdrill-junit-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const XSD_FILE = join(packageRoot(), 'reports', 'fixtures', 'jenkins-junit-10.xsd');
const xsd = readFileSync(XSD_FILE, 'utf8');

/** xmllint --schema, compiled to WebAssembly: the errors it prints, or [] when the file is valid. */
async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'junit-10.xsd', contents: xsd }],
  });
  return result.errors.map((e) => e.rawMessage);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property'].includes(name),
});
const names = Object.keys(FIXTURES) as FixtureName[];

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; '#text'?: string }[];
  error?: { message: string; type: string; '#text'?: string }[];
  skipped?: { message: string }[];
}
interface Suite {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  skipped: string;
  properties: { property: { name: string; value: string }[] };
  testcase: Case[];
}
function suites(xml: string): Suite[] {
  return (parser.parse(xml) as { testsuites: { testsuite: Suite[] } }).testsuites.testsuite;
}
function props(suite: Suite): Record<string, string> {
  return Object.fromEntries(suite.properties.property.map((p) => [p.name, p.value]));
}

describe('JUnit XML', () => {
  test.each(names)(
    '%s journal: one testsuite, one testcase per check and objective, valid against the Jenkins XSD',
    async (name) => {
      const journal = loadFixture(name);
      const [file] = await renderDrillReports(journal, join(out, journal.drill), ['junit']);
      const xml = readFileSync(file!, 'utf8');
      expect(await schemaErrors(xml)).toEqual([]);

      const [suite, ...rest] = suites(xml);
      expect(rest).toEqual([]);
      expect(suite!.name).toBe(journal.drill);
      for (const check of journal.checks) expect(suite!.testcase.map((c) => c.name)).toContain(`check: ${check.name}`);
      const objectiveCases = suite!.testcase.filter((c) => c.name.startsWith('objective: '));
      expect(objectiveCases).toHaveLength(journal.objectives.length);
      expect(Number(suite!.tests)).toBe(suite!.testcase.length);
      expect(Number(suite!.failures)).toBe(suite!.testcase.filter((c) => c.failure).length);
      expect(Number(suite!.errors)).toBe(suite!.testcase.filter((c) => c.error).length);
      expect(props(suite!).verdict).toBe(journal.verdict);
      if (journal.verdict === 'failed') expect(Number(suite!.failures)).toBeGreaterThan(0);
      if (['error', 'interrupted', 'timedout'].includes(journal.verdict)) {
        expect(Number(suite!.errors)).toBeGreaterThan(0);
        // The phase that stopped the drill is its own testcase, with the phase's error as its message.
        const stopped = journal.phases.find((p) => p.status === journal.verdict || p.status === 'error')!;
        const tc = suite!.testcase.find((c) => c.name === `phase: ${stopped.name}`)!;
        expect(tc.error![0]!.message).toContain(stopped.error!);
      }
    },
  );

  test('a failed drill names the failing check as its own testcase, with the evidence in the failure', async () => {
    const journal = loadFixture('failed');
    const xml = renderJUnit([journal]);
    const [suite] = suites(xml);
    const failing = journal.checks.find((c) => c.status === 'failed')!;
    const tc = suite!.testcase.find((c) => c.name === `check: ${failing.name}`)!;
    expect(tc.classname).toBe('drdrill.replica-failover');
    expect(tc.failure![0]!.type).toBe('check');
    expect(tc.failure![0]!.message).toBe(`${failing.name}: ${failing.message!}`);
    expect(tc.failure![0]!['#text']).toContain(String(failing.evidence.output));
    // Passing checks are passing testcases; the missed RPO objective is a failing one.
    expect(suite!.testcase.filter((c) => c.name.startsWith('check: ') && !c.failure)).toHaveLength(2);
    const rpo = suite!.testcase.find((c) => c.name.startsWith('objective: RPO'))!;
    expect(rpo.failure![0]!.message).toMatch(/^objective RPO = 0 writes missed: measured 37 writes$/);
    expect(suite!.failures).toBe('2');
  });

  test("the drill's figures and audit record are suite properties", () => {
    const journal = loadFixture('passed');
    journal.runId = 'accidental-delete-mhx1-0a1b2c';
    journal.measurements.rto!.outage = {
      from: '2025-10-21T14:02:42.000Z',
      to: '2025-10-21T14:03:22.100Z',
      seconds: 40.1,
      failedWrites: 12,
      error: 'Connection terminated',
    };
    journal.audit = {
      owner: 'dba-team',
      runbook: { url: 'https://wiki.example.com/runbooks/pitr', version: 'v7' },
      operator: 'alice',
      approver: 'bob',
      findings: [
        { at: '2025-10-22T09:00:00.000Z', by: 'carol', finding: 'WAL replay slow', remediation: 'prefetch 8' },
      ],
    };
    const p = props(suites(renderJUnit([journal]))[0]!);
    expect(p).toMatchObject({
      runId: 'accidental-delete-mhx1-0a1b2c',
      'rto.serviceSeconds': '41.217',
      'rto.verifiedSeconds': '44.806',
      'rto.outage.seconds': '40.1',
      'rto.outage.failedWrites': '12',
      'rto.phases.replay-wal': '24.731',
      'rpo.lostBeforeTarget': '0',
      'rpo.discardedAfterTarget': '312',
      'audit.owner': 'dba-team',
      'audit.runbook': 'https://wiki.example.com/runbooks/pitr @ v7',
      'audit.operator': 'alice',
      'audit.approver': 'bob',
      'audit.findings.1': '2025-10-22T09:00:00.000Z carol: WAL replay slow — remediation: prefetch 8',
    });
  });

  test('suite file: one testsuite per drill, counts add up, valid against the XSD', async () => {
    const journals = names.map(loadFixture);
    const written = await renderSuiteReports(journals, out, ['junit']);
    const xml = readFileSync(written[0]!, 'utf8');
    expect(await schemaErrors(xml)).toEqual([]);
    const doc = parser.parse(xml) as { testsuites: { tests: string; failures: string; errors: string } };
    const all = suites(xml);
    expect(all.map((s) => s.name)).toEqual(journals.map((j) => j.drill));
    expect(Number(doc.testsuites.tests)).toBe(all.reduce((s, x) => s + Number(x.tests), 0));
    expect(Number(doc.testsuites.failures)).toBe(all.reduce((s, x) => s + Number(x.failures), 0));
    expect(Number(doc.testsuites.errors)).toBe(all.reduce((s, x) => s + Number(x.errors), 0));
  });

  test('a failed drill with no failed check still shows a failure; markup and control characters stay text', async () => {
    const journal: Journal = loadFixture('passed');
    journal.verdict = 'failed';
    journal.reason = 'verify: no ledger write was acknowledged by <primary> & "standby"\u0007 within 60 s';
    journal.checks[0]!.evidence.output = ']]></failure><x a="1">\u0000';
    const xml = renderJUnit([journal]);
    expect(await schemaErrors(xml)).toEqual([]);
    const [suite] = suites(xml);
    const failed = suite!.testcase.filter((c) => c.failure);
    expect(failed.map((c) => c.name)).toEqual(['drill']);
    expect(failed[0]!.failure![0]!.message).toBe(journal.reason.replace('\u0007', '\uFFFD'));
  });

  test('the XSD check can fail: the old layout (properties and file on a testcase) is rejected', async () => {
    const old = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="drdrill" tests="1" failures="0" errors="0" skipped="0" time="1.000">',
      '  <testsuite name="drdrill" tests="1" failures="0" errors="0" time="1.000">',
      '    <testcase name="smoke" file="scenarios/smoke.yaml"><properties><property name="a" value="b"/></properties></testcase>',
      '  </testsuite>',
      '</testsuites>',
    ].join('\n');
    const errors = await schemaErrors(old);
    expect(errors.join('\n')).toMatch(/skipped/);
    expect(errors.join('\n')).toMatch(/file/);
    expect(errors.join('\n')).toMatch(/properties/);
  });
});
