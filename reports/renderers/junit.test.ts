import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, test } from 'vitest';
import type { Journal } from '../../harness/engine/journal.js';
import { FIXTURES, loadFixture, type FixtureName } from '../fixtures/index.js';
import { renderDrillReports, renderSuiteReports } from '../index.js';

const out = mkdtempSync(join(tmpdir(), 'drdrill-junit-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped', 'property'].includes(name),
});
const names = Object.keys(FIXTURES) as FixtureName[];

interface Case {
  name: string;
  failure?: { message: string; type: string; '#text'?: string }[];
  error?: { message: string; type: string }[];
  skipped?: unknown[];
}
function cases(xml: string): Case[] {
  const doc = parser.parse(xml) as {
    testsuites: { tests: string; failures: string; errors: string; testsuite: { testcase: Case[] }[] };
  };
  return doc.testsuites.testsuite.flatMap((s) => s.testcase);
}

function expectedFailures(j: Journal): number {
  const n =
    j.checks.filter((c) => c.status === 'failed').length + j.objectives.filter((o) => o.status === 'missed').length;
  return n === 0 && j.verdict === 'failed' ? 1 : n;
}

describe('JUnit XML', () => {
  test.each(names)('%s journal: one testcase, failures = failed checks + missed objectives', async (name) => {
    const journal = loadFixture(name);
    const [file] = await renderDrillReports(journal, join(out, journal.drill), ['junit']);
    const xml = readFileSync(file!, 'utf8');
    const [tc, ...rest] = cases(xml);
    expect(rest).toEqual([]);
    expect(tc!.name).toBe(journal.drill);
    expect(tc!.failure?.length ?? 0).toBe(expectedFailures(journal));
    expect(tc!.error?.length ?? 0).toBe(['error', 'interrupted', 'timedout'].includes(journal.verdict) ? 1 : 0);
    if (journal.verdict === 'error' || journal.verdict === 'interrupted')
      expect(tc!.error![0]!.message).toBe(journal.reason);
    for (const check of journal.checks.filter((c) => c.status === 'failed')) {
      const failure = tc!.failure!.find((f) => f.type === 'check' && f.message.startsWith(check.name));
      expect(failure?.message).toContain(check.message!);
      expect(failure?.['#text']).toContain(String(check.evidence.output));
    }
  });

  test('suite file: testcase and failure counts match the journals', async () => {
    const journals = names.map(loadFixture);
    const written = await renderSuiteReports(journals, out, ['junit']);
    const xml = readFileSync(written[0]!, 'utf8');
    const doc = parser.parse(xml) as { testsuites: { tests: string; failures: string; errors: string } };
    const all = cases(xml);
    expect(all.map((c) => c.name)).toEqual(journals.map((j) => j.drill));
    expect(Number(doc.testsuites.tests)).toBe(4);
    expect(Number(doc.testsuites.failures)).toBe(journals.filter((j) => j.verdict === 'failed').length);
    expect(Number(doc.testsuites.errors)).toBe(2);
    expect(all.reduce((s, c) => s + (c.failure?.length ?? 0), 0)).toBe(
      journals.reduce((s, j) => s + expectedFailures(j), 0),
    );
  });

  test('a failed drill with no failed check still shows a failure; markup in messages stays text', async () => {
    const journal = loadFixture('passed');
    journal.verdict = 'failed';
    journal.reason = 'verify: no ledger write was acknowledged by <primary> & "standby" within 60 s';
    const [file] = await renderDrillReports(journal, join(out, 'phase-failure'), ['junit']);
    const [tc] = cases(readFileSync(file!, 'utf8'));
    expect(tc!.failure).toHaveLength(1);
    expect(tc!.failure![0]!.message).toBe(journal.reason);
  });
});
