import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../reports/fixtures/index.js';
import type { Journal } from '../engine/journal.js';
import { prometheusToolsOrSkip } from '../testing/prometheus-tools.js';
import { tempDir } from '../testing/run-cli.js';
import { parseExposition, renderExposition } from './exposition.js';
import { METRIC_FAMILIES, type Sample } from './families.js';
import { samplesFromJournal } from './from-journal.js';
import { startLoopbackDaemon, type LoopbackDaemon } from './loopback-daemon.js';
import { mergeRuns } from './merge.js';
import { MetricsFile } from './textfile.js';

/** A journal with every optional figure: the fields of newer engines and of restore tests. */
function fullJournal(): Journal {
  const j = loadFixture('passed');
  Object.assign(j.measurements.rto!, {
    dataRestoredSeconds: 39.5,
    outage: { from: 'a', to: 'b', seconds: 36.4, failedWrites: 412 },
  });
  Object.assign(j.measurements.rpo!, {
    tables: { drdrill_ledger: { acked: 3533, lost: 0 }, customers: { acked: 10, lost: 2 } },
  });
  j.backups.push({
    ...j.backups[0]!,
    id: 'dump-1',
    method: 'dump',
    bytes: 1234,
    finishedAt: '2025-10-21T14:02:30.000Z',
  });
  j.measurements.backup = { method: 'pgbackrest', bytes: 987654321, ageSeconds: 30600 };
  j.measurements.restore = { seconds: 12.5, bytes: 987654321 };
  j.measurements.detection = {
    alert: 'DatabaseDiskFull',
    rules: 'monitoring/rules/drdrill.rules.yml',
    expression: '1 - node_filesystem_avail_bytes / node_filesystem_size_bytes > 0.85',
    within: '2m',
    faultAt: '2025-10-21T14:02:50.000Z',
    pendingSeconds: 3.2,
    firingSeconds: 8.2,
    for: { rule: '1h', drill: '5s', shortened: true },
    changes: ['for: 1h → 5s (shortened for the drill)'],
    evaluationIntervalSeconds: 1,
  };
  return j;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('metrics from journals', () => {
  it('gives every family of a full journal, labelled by drill and environment, with the journal figures', () => {
    const s = samplesFromJournal(fullJournal());
    expect(new Set(s.map((x) => x.name))).toEqual(new Set(Object.keys(METRIC_FAMILIES)));
    for (const x of s) expect(x.labels).toMatchObject({ drill: 'accidental-delete', environment: 'native' });
    expect(value(s, 'drdrill_last_run_timestamp_seconds')).toBe(Date.parse('2025-10-21T14:03:35.806Z') / 1000);
    expect(value(s, 'drdrill_last_success_timestamp_seconds')).toBe(Date.parse('2025-10-21T14:03:35.806Z') / 1000);
    expect(value(s, 'drdrill_rto_service_seconds')).toBe(41.217);
    expect(value(s, 'drdrill_rto_verified_seconds')).toBe(44.806);
    expect(value(s, 'drdrill_rto_data_restored_seconds')).toBe(39.5);
    expect(value(s, 'drdrill_rto_outage_seconds')).toBe(36.4);
    expect(value(s, 'drdrill_rpo_table_lost_acked_writes', { table: 'customers' })).toBe(2);
    expect(value(s, 'drdrill_backup_size_bytes', { method: 'basebackup', origin: 'drill' })).toBe(58392576);
    expect(value(s, 'drdrill_backup_size_bytes', { method: 'dump', origin: 'drill' })).toBe(1234);
    expect(value(s, 'drdrill_backup_size_bytes', { method: 'pgbackrest', origin: 'existing' })).toBe(987654321);
    expect(value(s, 'drdrill_backup_age_seconds')).toBe(30600);
    expect(value(s, 'drdrill_restore_throughput_bytes_per_second')).toBeCloseTo(987654321 / 12.5);
    expect(value(s, 'drdrill_detection_firing_seconds', { alert: 'DatabaseDiskFull' })).toBe(8.2);
  });

  it('has one verdict series per verdict, 1 for the run and 0 for the others; no last success for a failure', () => {
    const s = samplesFromJournal(loadFixture('failed'));
    const verdicts = s.filter((x) => x.name === 'drdrill_verdict');
    expect(verdicts.map((x) => [x.labels.verdict, x.value])).toEqual([
      ['passed', 0],
      ['failed', 1],
      ['error', 0],
      ['interrupted', 0],
      ['timedout', 0],
      ['skipped', 0],
    ]);
    expect(value(s, 'drdrill_last_success_timestamp_seconds')).toBeUndefined();
    expect(value(s, 'drdrill_rpo_lost_acked_writes')).toBe(37);
    expect(value(s, 'drdrill_rpo_lost_seconds')).toBe(0.074);
  });

  it('leaves out what a run did not measure instead of publishing zeros', () => {
    const s = samplesFromJournal(loadFixture('interrupted'));
    expect(value(s, 'drdrill_rto_service_seconds')).toBeUndefined();
    expect(value(s, 'drdrill_backup_age_seconds')).toBeUndefined();
    expect(value(s, 'drdrill_rto_outage_seconds')).toBeUndefined();
  });

  it('follows the Prometheus naming conventions: drdrill_ prefix, unit suffixes, no _total on gauges', () => {
    for (const [name, family] of Object.entries(METRIC_FAMILIES)) {
      expect(name).toMatch(/^drdrill_[a-z_]+$/);
      expect(name).not.toMatch(/_(total|count|sum|bucket)$/);
      if ('unit' in family) expect(name.endsWith(`_${family.unit}`), name).toBe(true);
      // HELP text is the same in OpenMetrics and the 0.0.4 text format only without quotes and backslashes.
      expect(family.help).not.toMatch(/["\\\n]/);
    }
  });
});

describe('carrying results over between runs', () => {
  const passed = loadFixture('passed');
  const failedLater = {
    ...loadFixture('passed'),
    verdict: 'failed',
    finishedAt: '2025-10-22T10:00:00.000Z',
  } as Journal;
  const passedAt = Date.parse(passed.finishedAt) / 1000;

  it('keeps the last success when the next run fails, and takes the failed run for everything else', () => {
    const after = mergeRuns(mergeRuns([], [passed]), [failedLater]);
    expect(value(after, 'drdrill_last_success_timestamp_seconds')).toBe(passedAt);
    expect(value(after, 'drdrill_last_run_timestamp_seconds')).toBe(Date.parse(failedLater.finishedAt) / 1000);
    expect(value(after, 'drdrill_verdict', { verdict: 'failed' })).toBe(1);
    expect(after.filter((s) => s.name === 'drdrill_last_success_timestamp_seconds')).toHaveLength(1);
  });

  it('never replaces a newer published run with an older journal, and keeps other drills as they were', () => {
    const published = mergeRuns([], [failedLater, loadFixture('error')]);
    const after = mergeRuns(published, [passed]);
    expect(value(after, 'drdrill_verdict', { drill: 'accidental-delete', verdict: 'failed' })).toBe(1);
    expect(value(after, 'drdrill_last_success_timestamp_seconds', { drill: 'accidental-delete' })).toBe(passedAt);
    expect(value(after, 'drdrill_verdict', { drill: 'corruption', verdict: 'error' })).toBe(1);
  });

  it('reads back what it wrote, label escapes included', () => {
    const odd: Journal = { ...loadFixture('passed'), drill: 'a "quoted" \\ drill\nname' };
    const samples = mergeRuns([], [odd, loadFixture('failed')]);
    const text = renderExposition(samples, 'openmetrics');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const back = parseExposition(text, 'x.prom', { foreign: 'refuse' });
    expect(renderExposition(back, 'openmetrics')).toBe(text);
  });
});

describe('--metrics file', () => {
  it('is replaced atomically, readable by the collector, and a file of other metrics is refused', async () => {
    const dir = tempDir('drdrill-metrics-');
    const path = join(dir, 'textfile', 'drdrill.prom');
    const file = await MetricsFile.open(path);
    await file.write([loadFixture('passed')]);
    await file.write([loadFixture('failed')]);
    expect(readdirSync(join(dir, 'textfile'))).toEqual(['drdrill.prom']);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^drdrill_verdict\{drill="accidental-delete",environment="native",verdict="passed"\} 1$/m);
    expect(text).toMatch(/^drdrill_verdict\{drill="replica-failover",environment="native",verdict="failed"\} 1$/m);

    const foreign = join(dir, 'node.prom');
    writeFileSync(foreign, '# TYPE node_custom gauge\nnode_custom 1\n');
    await expect(MetricsFile.open(foreign)).rejects.toThrow(
      `${foreign}: not a drdrill metrics file (it holds node_custom)`,
    );
    await expect(MetricsFile.open(dir)).rejects.toThrow('is a directory');
  });
});

const tools = prometheusToolsOrSkip('metrics checks with promtool and node_exporter', ['promtool', 'nodeExporter']);

describe.skipIf(Boolean(tools.skip))('metrics checked by the real Prometheus tools', () => {
  const dir = tempDir('drdrill-metrics-tools-');
  const textfileDir = join(dir, 'textfile');
  let exporter: LoopbackDaemon | undefined;

  beforeAll(async () => {
    const file = await MetricsFile.open(join(textfileDir, 'drdrill.prom'));
    await file.write([fullJournal(), loadFixture('failed'), loadFixture('error'), loadFixture('interrupted')]);
    exporter = await startLoopbackDaemon({
      tool: 'nodeExporter',
      args: (listen) => [
        `--web.listen-address=${listen}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textfileDir}`,
      ],
      readyPath: '/metrics',
    });
  });
  afterAll(() => exporter?.stop());

  const written = () => readFileSync(join(textfileDir, 'drdrill.prom'), 'utf8');

  it('promtool check metrics accepts every family, in both formats', () => {
    for (const text of [written(), renderExposition(parseExposition(written(), 'f', { foreign: 'refuse' }), 'text')]) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
    // The check is not vacuous: a gauge named like a counter is reported.
    const bad = spawnSync('promtool', ['check', 'metrics'], {
      input: '# HELP drdrill_x_total x\n# TYPE drdrill_x_total gauge\ndrdrill_x_total 1\n',
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
  });

  it("is valid OpenMetrics for Prometheus's own parser", () => {
    // The backfill importer parses strict OpenMetrics (# EOF, UNIT suffixes, escapes) but wants timestamps.
    const stamped = written().replace(/^(drdrill_\S+ \S+)$/gm, '$1 1761055415');
    const file = join(dir, 'stamped.om');
    writeFileSync(file, stamped);
    const out = execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, join(dir, 'tsdb')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/NUM SAMPLES/);
    const broken = join(dir, 'broken.om');
    writeFileSync(broken, stamped.replace('# EOF\n', ''));
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', broken, join(dir, 'tsdb2')], {
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/does not end with # EOF/);
  });

  it("node_exporter's textfile collector publishes the series", async () => {
    const page = await (await fetch(`${exporter!.url}/metrics`)).text();
    expect(page).toMatch(/^node_textfile_scrape_error 0$/m);
    expect(page).toMatch(/^drdrill_rto_service_seconds\{drill="accidental-delete",environment="native"\} 41\.217$/m);
    expect(page).toMatch(/^drdrill_verdict\{drill="corruption",environment="native",verdict="error"\} 1$/m);
    expect(page).toMatch(
      /^drdrill_backup_size_bytes\{drill="accidental-delete",environment="native",method="pgbackrest",origin="existing"\} 9\.87654321e\+08$/m,
    );
  });
});
