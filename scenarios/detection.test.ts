import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTS_ARTIFACT } from '../harness/detection/spec.js';
import type { PromSeries } from '../harness/detection/prometheus-api.js';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import type { Journal } from '../harness/engine/journal.js';
import { RULES_FILE } from '../harness/metrics/rules.js';
import { runScenario } from '../harness/testing/drill-run.js';
import { journalOf, variant } from '../harness/testing/journals.js';
import { processesMentioning } from '../harness/testing/processes.js';
import { prometheusToolsOrSkip } from '../harness/testing/prometheus-tools.js';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../harness/testing/run-cli.js';

/** The ALERTS series the drill kept: Prometheus's own record, read apart from the journal's figures. */
function alertsSeries(dir: string): PromSeries[] {
  return (JSON.parse(readFileSync(join(dir, 'artifacts', ALERTS_ARTIFACT), 'utf8')) as { result: PromSeries[] }).result;
}
const firstSample = (series: PromSeries[], state: string) =>
  Math.min(...series.filter((s) => s.metric.alertstate === state).flatMap((s) => s.values!.map(([t]) => t * 1000)));

/** Prometheus and the exporters the drill started (their pids are in its monitoring events) are gone. */
function expectMonitoringStopped(j: Journal, work: string): void {
  const pids = j.events.filter((e) => e.kind === 'monitoring' && e.data?.pid).map((e) => Number(e.data!.pid));
  expect(pids.length).toBeGreaterThanOrEqual(2);
  for (const pid of pids) expect(existsSync(`/proc/${pid}`), `pid ${pid} still running`).toBe(false);
  expect(processesMentioning(work)).toEqual([]);
}

/** The shipped rules with DatabaseDiskFull reading a metric no exporter publishes: the alert can never fire. */
function brokenRules(): string {
  const dir = inlineScenarios({});
  const text = readFileSync(RULES_FILE, 'utf8');
  expect(text).toContain('node_filesystem_avail_bytes{');
  writeFileSync(
    join(dir, 'broken.rules.yml'),
    text.replace('node_filesystem_avail_bytes{', 'node_filesystem_avail_bytez{'),
  );
  return dir;
}

const tools = prometheusToolsOrSkip('drills with detect', ['prometheus', 'postgresExporter', 'nodeExporter']);

describe.skipIf(Boolean(tools.skip))('detect: real Prometheus and exporters watching a disk-full drill', () => {
  it('DatabaseDiskFull fires in time; pendingSeconds agrees with the ALERTS series Prometheus kept', async () => {
    const { r, j, dir, work } = await runScenario('scenarios/disk-full-detect.yaml', 'disk-full-detect');
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const d = j.measurements.detection!;
    expect(d).toMatchObject({
      alert: 'DatabaseDiskFull',
      within: '2m',
      for: { rule: '1h', drill: '15s', shortened: true },
    });
    // The fault Prometheus is compared with is the fault the drill recorded.
    const faultEvent = j.events.find((e) => e.kind === 'fault')!;
    expect(Math.abs(Date.parse(d.faultAt) - Date.parse(faultEvent.time))).toBeLessThan(50);

    const series = alertsSeries(dir);
    const fault = Date.parse(d.faultAt);
    expect(d.pendingSeconds).toBeCloseTo((firstSample(series, 'pending') - fault) / 1000, 2);
    expect(d.firingSeconds).toBeCloseTo((firstSample(series, 'firing') - fault) / 1000, 2);
    // Firing waited the drill's for (15 s), to one evaluation interval.
    const held = (firstSample(series, 'firing') - firstSample(series, 'pending')) / 1000;
    expect(held).toBeGreaterThanOrEqual(15);
    expect(held).toBeLessThanOrEqual(16.1);
    // Pointed at the drill's own volume, and nowhere else.
    for (const s of series) expect(s.metric).toMatchObject({ device: 'drdrill-tmpfs', job: 'node' });
    expect(series[0]!.metric.mountpoint).toMatch(/\/instances\/primary\/data$/);
    expect(d.firingSeconds!).toBeLessThanOrEqual(120);
    expect(d.projectedFiringSeconds).toBeCloseTo(d.pendingSeconds! + 3600, 2);
    expect(j.objectives.find((o) => o.metric === 'detection.firingSeconds')).toMatchObject({ status: 'met' });
    expect(j.checks.find((c) => c.name === 'alert DatabaseDiskFull fired within 2m of the fault')!.status).toBe(
      'passed',
    );
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
    expectMonitoringStopped(j, work);
  });

  it('with the rule broken (a wrong metric name) the drill fails: the alert did not fire within its time', async () => {
    const rules = join(brokenRules(), 'broken.rules.yml');
    const dir = inlineScenarios({
      'broken.yaml': variant('disk-full-detect.yaml', [
        [/name: disk-full-detect/, 'name: disk-full-broken-rule'],
        [/detect: .*/, `detect: { alert: DatabaseDiskFull, within: 15s, for: 5s, rules: ${rules} }`],
      ]),
    });
    const { r, j, dir: drillDir, work } = await runScenario(join(dir, 'broken.yaml'), 'disk-full-broken-rule');
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.failed);
    expect(j.verdict).toBe('failed');
    expect(j.reason).toContain('alert DatabaseDiskFull did not fire within 15s');
    const check = j.checks.find((c) => c.name === 'alert DatabaseDiskFull fired within 15s of the fault')!;
    expect(check.status).toBe('failed');
    expect(check.message).toContain('its expression never became true');
    expect(check.message).toContain('Prometheus has no series named node_filesystem_avail_bytez');
    expect(j.objectives.find((o) => o.metric === 'detection.firingSeconds')).toMatchObject({
      status: 'not-measured',
      actual: null,
    });
    expect(j.measurements.detection!.firingSeconds).toBeUndefined();
    // Prometheus's own record agrees: never pending, never firing.
    expect(alertsSeries(drillDir)).toEqual([]);
    // The drill still recovered: an alert that stays silent is the finding, not a reason to leave the disk full.
    expect(j.phases.find((p) => p.name === 'recover')!.status).toBe('passed');
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
    expectMonitoringStopped(j, work);
  });

  it('Ctrl-C while waiting for the alert stops Prometheus and the exporters with everything else', async () => {
    const rules = join(brokenRules(), 'broken.rules.yml');
    const dir = inlineScenarios({
      'waiting.yaml': variant('disk-full-detect.yaml', [
        [/name: disk-full-detect/, 'name: disk-full-waiting'],
        [/detect: .*/, `detect: { alert: DatabaseDiskFull, within: 2m, rules: ${rules} }`],
      ]),
    });
    const out = tempOutDir();
    const work = workDir();
    let sent = false;
    const run = runCli(['run', join(dir, 'waiting.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
      onStdout: (chunk) => {
        if (!sent && chunk.includes('detect …')) {
          sent = true;
          setTimeout(() => process.kill(run.pid, 'SIGINT'), 1500);
        }
      },
    });
    const r = await run;
    expect(sent).toBe(true);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.interrupted);
    const j = journalOf(out, 'disk-full-waiting');
    expect(j.verdict).toBe('interrupted');
    expect(j.phases.find((p) => p.name === 'detect')!.status).toBe('interrupted');
    expect(j.phases.find((p) => p.name === 'teardown')!.status).toBe('passed');
    expectMonitoringStopped(j, work);
    expect(readdirSync(work)).toEqual([]);
  });
});
