import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DrillError } from '../../harness/engine/errors.js';
import { packageRoot } from '../../harness/util/paths.js';
import { loadFixture } from '../fixtures/index.js';
import { assessCompliance } from './compliance.js';
import { parsePlan } from './plan.js';
import { renderComplianceHtml, renderComplianceMarkdown } from './render.js';

const planFile = join(packageRoot(), 'reports', 'fixtures', 'drp-plan.yaml');
const plan = parsePlan(readFileSync(planFile, 'utf8'), planFile);
const now = new Date('2025-11-01T00:00:00Z');

describe('DRP compliance', () => {
  test('each procedure is met, not met or not tested against its latest drill, with dates and reasons', () => {
    const journals = [loadFixture('passed'), loadFixture('failed'), loadFixture('error'), loadFixture('interrupted')];
    const c = assessCompliance(plan, journals, now);
    const by = Object.fromEntries(c.procedures.map((p) => [p.id, p]));
    expect(by['point-in-time']).toMatchObject({
      status: 'met',
      latest: {
        drill: 'accidental-delete',
        startedAt: '2025-10-21T14:01:58.214Z',
        recoverySeconds: 44.806,
        dataLossSeconds: 0,
      },
    });
    expect(by['node-failure']!.status).toBe('not-met');
    expect(by['node-failure']!.reasons.join()).toContain(
      'the latest drill failed: check failed: every acknowledged ledger write is present',
    );
    expect(by['full-corruption']!.status).toBe('not-met');
    expect(by['full-corruption']!.reasons).toContain('recovery time was not measured');
    expect(by['disk-full']).toMatchObject({ status: 'not-tested', reasons: ['no result for drill disk-full'] });
    expect(c.status).toBe('not-met');
    expect(c.backups.find((b) => b.kind === 'Full backups')!.exercisedBy).toEqual([
      { drill: 'accidental-delete', date: '2025-10-21' },
    ]);
    expect(c.backups.find((b) => b.kind === 'Logical dumps')!.exercisedBy).toEqual([]);
  });

  test('the latest drill decides; an old pass is not tested, a slow pass is not met', () => {
    const old = loadFixture('passed');
    old.startedAt = '2025-03-01T10:00:00.000Z';
    expect(assessCompliance(plan, [old], now).procedures.find((p) => p.id === 'point-in-time')!.reasons[0]).toBe(
      "last tested 2025-03-01, 244 days ago: older than the plan's 92 days",
    );
    const slow = loadFixture('passed');
    slow.startedAt = '2025-10-25T10:00:00.000Z';
    slow.measurements.rto!.verifiedSeconds = 2400;
    const p = assessCompliance(plan, [loadFixture('passed'), slow], now).procedures.find(
      (x) => x.id === 'point-in-time',
    )!;
    expect(p.status).toBe('not-met');
    expect(p.reasons).toEqual(['recovered in 40 min, the procedure expects 30 min']);
  });

  test('the page shows every procedure with its status and links the drill report', () => {
    const c = assessCompliance(plan, [loadFixture('passed'), loadFixture('failed')], now);
    const html = renderComplianceHtml(c);
    expect(html).toContain('data-status="not-met"');
    expect(html.match(/<tr data-procedure=/g)).toHaveLength(5);
    expect(html).toMatch(
      /data-procedure="point-in-time">.*<a href="accidental-delete\/report.html">accidental-delete<\/a> \(passed\).*2025-10-21.*✔ MET/,
    );
    expect(html).toMatch(/data-procedure="disk-full">.*never.*NOT TESTED/);
    const md = renderComplianceMarkdown(c);
    expect(md).toContain(
      '| Node failure: the standby takes over | 300 s | [replica-failover](replica-failover/report.md) (failed) | 2025-10-21 |',
    );
  });

  test('the page lists every evidence item with its DORA, SOC 2 and ISO 27001 controls, linked into the drill reports', () => {
    const journals = [loadFixture('passed'), loadFixture('failed')];
    const c = assessCompliance(plan, journals, now);
    const entries = journals.map((journal) => ({ journal, dir: journal.drill }));
    const html = renderComplianceHtml(c, entries);
    expect(html.match(/<tr data-item="/g)).toHaveLength(11);
    expect(html).toMatch(
      /<tr data-item="isolation"><td>Restore target isolated from the production system<\/td><td>Art\. 12\(3\)<\/td><td><\/td><td><\/td><td class="status satisfied">✔ evidence<\/td><td><ul class="evidence"><li><a href="accidental-delete\/report.html#environment">accidental-delete restored into its own local instances/,
    );
    expect(html).toMatch(
      /<tr data-item="findings">.*✘ missing.*replica-failover ended failed and no finding or remediation is recorded/,
    );
    const md = renderComplianceMarkdown(c, entries);
    expect(md).toContain(
      '| Integrity and completeness checks on the restored data | Art. 12(7) | A1.3 | A.8.13 | ▲ evidence with gaps |',
    );
  });

  test('a plan error names the path', () => {
    expect(() =>
      parsePlan(
        'apiVersion: drdrill/v1\nkind: DisasterRecoveryPlan\nmetadata: { name: x }\nobjectives: { rto: soon, rpo: 15 min }\nprocedures: []\n',
        'plan.yaml',
      ),
    ).toThrow(DrillError);
    expect(() =>
      parsePlan(
        'apiVersion: drdrill/v1\nkind: DisasterRecoveryPlan\nmetadata: { name: x }\nobjectives: { rto: soon, rpo: 15 min }\nprocedures: []\n',
        'plan.yaml',
      ),
    ).toThrow('plan.yaml: objectives.rto a duration such as "1 hour", "15 min", "45m" or "90s"');
  });
});
