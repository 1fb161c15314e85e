import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { prometheusToolsOrSkip } from '../testing/prometheus-tools.js';
import { tempDir } from '../testing/run-cli.js';
import { METRIC_FAMILIES } from './families.js';
import {
  alertNames,
  durationSeconds,
  findAlert,
  loadRuleGroups,
  metricNamesIn,
  PROMETHEUS_RULE_MANIFEST,
  RULE_TESTS_DIR,
  RULES_FILE,
  type RuleGroup,
} from './rules.js';

const SHIPPED_ALERTS = [
  'DRDrillFailed',
  'DRDrillNotRunRecently',
  'BackupNotGrowing',
  'WALArchivingLag',
  'DatabaseDiskFull',
];
const testFiles = () =>
  readdirSync(RULE_TESTS_DIR)
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => join(RULE_TESTS_DIR, f));

describe('the shipped rules', () => {
  const groups = loadRuleGroups();

  it("hold the guide's three alerts and the two drill alerts, with the guide's thresholds", () => {
    expect(alertNames(groups).sort()).toEqual([...SHIPPED_ALERTS].sort());
    expect(durationSeconds(findAlert(groups, 'BackupNotGrowing').rule.for)).toBe(86400);
    expect(findAlert(groups, 'WALArchivingLag').rule.expr).toContain('pg_stat_archiver_last_archive_age > 600');
    expect(durationSeconds(findAlert(groups, 'WALArchivingLag').rule.for)).toBe(600);
    expect(findAlert(groups, 'DatabaseDiskFull').rule.expr).toMatch(/> 0\.85\s*$/);
    expect(durationSeconds(findAlert(groups, 'DatabaseDiskFull').rule.for)).toBe(3600);
    expect(() => findAlert(groups, 'Nope')).toThrow('no alert Nope in the rules; expected one of DRDrillFailed');
  });

  it('read only drdrill metrics that exist, and recording rules that are defined', () => {
    const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
    // The one parameter users define themselves (see the comment above drdrill:cadence_seconds).
    recorded.add('drdrill:cadence_seconds:configured');
    for (const rule of groups.flatMap((g) => g.rules))
      for (const name of metricNamesIn(rule.expr).filter((n) => n.startsWith('drdrill')))
        expect(name in METRIC_FAMILIES || recorded.has(name), `${rule.alert ?? rule.record}: ${name}`).toBe(true);
  });

  it('are the same groups in the PrometheusRule manifest', () => {
    const manifest = parse(readFileSync(PROMETHEUS_RULE_MANIFEST, 'utf8')) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { groups: RuleGroup[] };
    };
    expect(manifest).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' });
    expect(manifest.metadata.name).toBe('drdrill');
    expect(manifest.spec.groups).toEqual(groups);
  });

  it('parse Prometheus durations', () => {
    expect([durationSeconds('1h30m'), durationSeconds('500ms'), durationSeconds(undefined)]).toEqual([5400, 0.5, 0]);
    expect(() => durationSeconds('10 minutes')).toThrow('"10 minutes" is not a Prometheus duration');
  });
});

const tools = prometheusToolsOrSkip('promtool check/test rules', ['promtool']);

describe.skipIf(Boolean(tools.skip))('promtool on the shipped rules', () => {
  const promtool = (args: string[]) => {
    const r = spawnSync('promtool', args, { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  };

  it('promtool check rules accepts both files', () => {
    const rules = promtool(['check', 'rules', RULES_FILE]);
    expect(rules.out).toContain('SUCCESS: 6 rules found');
    expect(rules.code).toBe(0);
    // The manifest's spec is checked through the rules file it equals (see above).
  });

  it('promtool test rules passes for every alert', () => {
    const files = testFiles();
    const tested = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect(new Set(tested)).toEqual(new Set(SHIPPED_ALERTS));
    const r = promtool(['test', 'rules', ...files]);
    expect(r.out).not.toContain('FAILED');
    expect(r.code, r.out).toBe(0);
    expect(r.out.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  // Each alert's unit tests must catch a rule that never fires and one that always fires at once: proof that they
  // test it firing and not firing.
  it.each(SHIPPED_ALERTS)('the unit tests of %s fail when it never fires and when it always fires', async (alert) => {
    const files = testFiles().filter((f) => readFileSync(f, 'utf8').includes(`alertname: ${alert}`));
    const mutants = [
      { mutation: 'never fires', symptom: 'got:[]', mutate: () => 'vector(1) < 0' },
      { mutation: 'always fires', symptom: 'exp:[]', mutate: (expr: string) => `(${expr}) or vector(1)` },
    ];
    const runs = mutants.map(async ({ mutation, symptom, mutate }) => {
      const dir = tempDir('drdrill-rules-mutant-');
      mkdirSync(join(dir, 'rules'));
      mkdirSync(join(dir, 'tests'));
      const groups = loadRuleGroups();
      const { rule } = findAlert(groups, alert);
      rule.expr = mutate(rule.expr);
      delete rule.for;
      writeFileSync(join(dir, 'rules', 'drdrill.rules.yml'), stringify({ groups }));
      for (const f of files) writeFileSync(join(dir, 'tests', basename(f)), readFileSync(f));
      const r = await promtoolAsync(['test', 'rules', ...files.map((f) => join(dir, 'tests', basename(f)))]);
      return { mutation, symptom, ...r };
    });
    for (const { mutation, symptom, code, out } of await Promise.all(runs)) {
      expect(code, `${alert} ${mutation}`).not.toBe(0);
      const failures = out.split('alertname: ').filter((chunk) => chunk.startsWith(`${alert},`));
      expect(
        failures.some((f) => f.includes(symptom)),
        `${alert} ${mutation}: no failing case shows ${symptom}\n${out}`,
      ).toBe(true);
    }
  });
});

function promtoolAsync(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('promtool', args);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}
