import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DrillError } from '../../harness/engine/errors.js';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import type { Journal } from '../../harness/engine/journal.js';
import { runCli, tempDir } from '../../harness/testing/run-cli.js';
import { fixturePath, loadFixture } from '../fixtures/index.js';
import { addInterval, parseCadence } from './cadence.js';
import { assessCompliance } from './compliance.js';
import { parsePlan } from './plan.js';
import { parseFailOn } from '../gates.js';

const DAY = 86_400_000;
const PROCEDURES = ['point-in-time', 'node-failure'];

/** The DRP template's testing section with two procedures, written as a plan file. */
function planFile(testing: string[]): string {
  const file = join(tempDir('drdrill-plan-'), 'plan.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: drdrill/v1',
      'kind: DisasterRecoveryPlan',
      'metadata: { name: Shop database }',
      'objectives: { rto: 1 hour, rpo: 15 min }',
      'procedures:',
      '  - { id: point-in-time, title: "PITR to just before the incident", expected: 30 min, drills: [accidental-delete] }',
      '  - { id: node-failure, title: "The standby takes over", expected: 5 min, drills: [replica-failover] }',
      'testing:',
      '  cadence:',
      ...testing.map((t) => `    - ${JSON.stringify(t)}`),
      '',
    ].join('\n'),
  );
  return file;
}

/** A history directory with the given drills, each last run `daysAgo` days before now. */
function history(runs: { fixture: 'passed' | 'failed'; daysAgo: number }[]): string {
  const dir = tempDir('drdrill-history-');
  for (const { fixture, daysAgo } of runs) {
    const j: Journal = loadFixture(fixture);
    j.startedAt = new Date(Date.now() - daysAgo * DAY).toISOString();
    j.finishedAt = new Date(Date.parse(j.startedAt) + j.seconds * 1000).toISOString();
    mkdirSync(join(dir, `${j.drill}-${daysAgo}`), { recursive: true });
    writeFileSync(join(dir, `${j.drill}-${daysAgo}`, 'journal.json'), JSON.stringify(j));
  }
  return dir;
}

describe('testing cadence', () => {
  test("the DRP template's testing lines parse into cadences; a drill line applies to each procedure", () => {
    expect(parseCadence('Quarterly: full DRP drill with the team', PROCEDURES)).toMatchObject({
      every: 'quarterly',
      interval: { months: 3 },
      scope: 'each-procedure',
      procedures: PROCEDURES,
    });
    expect(parseCadence('Monthly: restore to a test environment', PROCEDURES)).toMatchObject({
      interval: { months: 1 },
      scope: 'any-procedure',
    });
    expect(parseCadence('Continuously: automated backup verification', PROCEDURES)).toMatchObject({
      interval: 'continuous',
    });
    expect(
      parseCadence({ every: 'every 45 days', what: 'failover drill', procedures: ['node-failure'] }, PROCEDURES),
    ).toMatchObject({ interval: { days: 45 }, scope: 'each-procedure', procedures: ['node-failure'] });
    expect(() => parsePlan(readFileSync(planFile(['Now and then: a drill']), 'utf8'), 'plan.yaml')).toThrow(
      new DrillError(
        'invalid-config',
        'plan.yaml: testing.cadence.0 "Now and then: a drill" does not start with a frequency; expected daily, weekly, fortnightly, monthly, quarterly, semi-annually, yearly, continuously or "every N days|weeks|months|years", then ": what is done"',
      ),
    );
  });

  test('calendar months: the 31st plus one month is the last day of the next month', () => {
    expect(addInterval(new Date('2025-01-31T10:00:00Z'), { months: 1 }).toISOString()).toBe('2025-02-28T10:00:00.000Z');
    expect(addInterval(new Date('2025-11-30T10:00:00Z'), { months: 3 }).toISOString()).toBe('2026-02-28T10:00:00.000Z');
  });

  test('last tested, next due and overdue per procedure; an error tests nothing; a restore line is met by any drill', () => {
    const plan = parsePlan(
      readFileSync(
        planFile(['Monthly: restore to a test environment', 'Quarterly: full DRP drill with the team']),
        'utf8',
      ),
      'plan.yaml',
    );
    const at = (fixture: 'passed' | 'failed' | 'error', iso: string) => {
      const j = loadFixture(fixture);
      j.startedAt = iso;
      if (fixture === 'error') j.drill = 'replica-failover';
      return j;
    };
    const c = assessCompliance(
      plan,
      [
        at('passed', '2025-09-20T10:00:00.000Z'),
        at('failed', '2025-06-01T10:00:00.000Z'),
        at('error', '2025-10-25T10:00:00.000Z'),
      ],
      new Date('2025-10-31T00:00:00Z'),
    );
    const [pitr, node] = c.procedures;
    expect(pitr!.schedule).toMatchObject({
      every: 'quarterly',
      lastTested: { drill: 'accidental-delete', startedAt: '2025-09-20T10:00:00.000Z' },
      nextDue: '2025-12-20T10:00:00.000Z',
      overdue: false,
    });
    expect(node!.schedule).toMatchObject({
      lastTested: { startedAt: '2025-06-01T10:00:00.000Z' },
      nextDue: '2025-09-01T10:00:00.000Z',
      overdue: true,
      overdueDays: 59,
    });
    expect(c.cadences.map((x) => [x.every, x.scope, x.status])).toEqual([
      ['monthly', 'any-procedure', 'overdue'],
      ['quarterly', 'each-procedure', 'overdue'],
    ]);
    expect(c.cadences[0]!.schedule).toMatchObject({ nextDue: '2025-10-20T10:00:00.000Z', overdueDays: 10 });
    expect(c.cadences[1]!.overdueProcedures).toEqual(['node-failure']);
  });

  test('a quarterly drill last run 100 days ago is overdue, and --fail-on overdue exits 1', async () => {
    const plan = planFile(['Quarterly: full DRP drill with the team']);
    const hist = history([
      { fixture: 'passed', daysAgo: 100 },
      { fixture: 'failed', daysAgo: 20 },
    ]);
    const out = tempDir('drdrill-cadence-out-');
    const r = await runCli([
      'report',
      '--drp',
      plan,
      '--trends',
      hist,
      '--out',
      out,
      '--reporter',
      'html,md',
      '--fail-on',
      'overdue',
    ]);
    expect(r.code, r.stderr).toBe(EXIT_CODES.failed);
    expect(r.stderr).toMatch(
      /^drdrill: --fail-on: overdue: procedure point-in-time was last tested \d{4}-\d\d-\d\d and was due \d{4}-\d\d-\d\d \(quarterly\)$/m,
    );
    expect(r.stderr).not.toContain('node-failure');
    // The reports are still written, so CI can publish what failed.
    const html = readFileSync(join(out, 'compliance.html'), 'utf8');
    expect(html).toMatch(
      /data-procedure="point-in-time">.*data-overdue="true">quarterly · last tested [\d-]+ · next due [\d-]+<br><span class="status overdue">OVERDUE by [789] days</,
    );
    expect(html).toMatch(/data-procedure="node-failure">.*data-overdue="false">/);
    expect(html).toMatch(/<tr data-cadence="quarterly">.*✘ OVERDUE.*overdue: point-in-time/);
    expect(readFileSync(join(out, 'compliance.md'), 'utf8')).toMatch(
      /\| quarterly · last tested [\d-]+ · next due [\d-]+: OVERDUE by [789] days \|/,
    );

    // Without the gate the same report exits 0; run 30 days ago it is on time.
    const plain = await runCli(['report', '--drp', plan, '--trends', hist, '--out', out]);
    expect(plain.code, plain.stderr).toBe(0);
    const recent = await runCli([
      'report',
      '--drp',
      plan,
      '--trends',
      history([
        { fixture: 'passed', daysAgo: 30 },
        { fixture: 'failed', daysAgo: 30 },
      ]),
      '--out',
      out,
      '--fail-on',
      'overdue,untested',
    ]);
    expect(recent.code, recent.stderr).toBe(0);
  });

  test('--fail-on missed-objective and untested; conditions need the plan, names are checked', async () => {
    const plan = planFile(['Quarterly: full DRP drill with the team']);
    const out = tempDir('drdrill-cadence-out-');
    const missed = await runCli([
      'report',
      fixturePath('failed'),
      '--drp',
      plan,
      '--out',
      out,
      '--as-of',
      '2025-11-01',
      '--fail-on',
      'missed-objective,untested',
    ]);
    expect(missed.code).toBe(EXIT_CODES.failed);
    expect(missed.stderr).toContain(
      'missed-objective: replica-failover (2025-10-21) missed rpo.lostAckedWrites = 0 rows (measured 37)',
    );
    expect(missed.stderr).toContain('untested: procedure point-in-time has no drill result (accidental-delete)');
    expect(() => parseFailOn('untested', { hasPlan: false, command: 'report' })).toThrow(
      '--fail-on untested needs --drp plan.yaml',
    );
    expect(parseFailOn('untested', { hasPlan: false, command: 'audit' })).toEqual(['untested']);
    expect(() => parseFailOn('missed-objective,late', { hasPlan: true, command: 'report' })).toThrow(
      '--fail-on: unknown condition "late"; expected missed-objective, overdue, untested',
    );
  });
});
