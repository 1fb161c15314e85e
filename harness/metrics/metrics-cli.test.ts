import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../reports/fixtures/index.js';
import type { Journal } from '../engine/journal.js';
import { prometheusToolsOrSkip } from '../testing/prometheus-tools.js';
import { runCli, tempDir, tempOutDir, workDir } from '../testing/run-cli.js';
import { freePort } from '../util/ports.js';
import { startLoopbackDaemon, type LoopbackDaemon } from './loopback-daemon.js';
import { journalOf } from '../testing/journals.js';

const tools = prometheusToolsOrSkip('drdrill run/report --metrics --pushgateway', ['promtool', 'pushgateway']);

describe.skipIf(Boolean(tools.skip))('drdrill run and report with --metrics and --pushgateway', () => {
  let gw: LoopbackDaemon | undefined;
  const gatewayPage = async () => (await fetch(`${gw!.url}/metrics`)).text();
  const promtoolCheck = (text: string) =>
    spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });

  beforeAll(async () => {
    gw = await startLoopbackDaemon({
      tool: 'pushgateway',
      args: (listen) => [`--web.listen-address=${listen}`, '--persistence.file=', '--log.level=warn'],
      readyPath: '/-/ready',
    });
  });
  afterAll(() => gw?.stop());

  it('a real run writes a metrics file promtool accepts and pushes the same series', async () => {
    const out = tempOutDir();
    const file = join(tempDir('drdrill-textfile-'), 'drdrill.prom');
    const r = await runCli(
      ['run', 'scenarios/smoke.yaml', '--out', out, '--reporter', 'json', '--metrics', file, '--pushgateway', gw!.url],
      { env: { DRDRILL_WORK_DIR: workDir() } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`  metrics: ${file}\n`);
    expect(r.stdout).toContain(`  pushgateway: ${gw!.url}/metrics/job/drdrill/drill/smoke/environment/native\n`);

    const journal = journalOf(out, 'smoke');
    const text = readFileSync(file, 'utf8');
    const check = promtoolCheck(text);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    const finished = Date.parse(journal.finishedAt) / 1000;
    expect(text).toContain(`drdrill_last_run_timestamp_seconds{drill="smoke",environment="native"} ${finished}\n`);
    expect(text).toContain(`drdrill_last_success_timestamp_seconds{drill="smoke",environment="native"} ${finished}\n`);
    expect(text).toContain('drdrill_verdict{drill="smoke",environment="native",verdict="passed"} 1\n');
    expect(text).toContain(
      `drdrill_rpo_lost_acked_writes{drill="smoke",environment="native"} ${journal.measurements.rpo!.lostAckedWrites}\n`,
    );

    const page = await gatewayPage();
    expect(page).toMatch(
      /^drdrill_verdict\{drill="smoke",environment="native",instance="",job="drdrill",verdict="passed"\} 1$/m,
    );
    const pushed = page.match(/^drdrill_last_success_timestamp_seconds\{drill="smoke",[^}]*\} (\S+)$/m)?.[1];
    expect(Number(pushed)).toBe(finished);
  });

  it('report renders metrics from existing journals; a failed run after a pass keeps the last success', async () => {
    const file = join(tempDir('drdrill-textfile-'), 'drdrill.prom');
    const passed = fixturePath('passed');
    const later = join(tempDir('drdrill-journal-'), 'journal.json');
    const failedLater = { ...(JSON.parse(readFileSync(passed, 'utf8')) as Journal) };
    Object.assign(failedLater, { verdict: 'failed', finishedAt: '2025-10-22T09:00:00.000Z', measurements: {} });
    writeFileSync(later, JSON.stringify(failedLater));

    const first = await runCli(['report', passed, fixturePath('error'), '--out', tempOutDir(), '--metrics', file]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`metrics: ${file}\n`);
    const second = await runCli(['report', later, '--out', tempOutDir(), '--metrics', file, '--pushgateway', gw!.url]);
    expect(second.code, second.stderr).toBe(0);

    const text = readFileSync(file, 'utf8');
    const passedAt = Date.parse('2025-10-21T14:03:35.806Z') / 1000;
    expect(text).toContain(
      `drdrill_last_success_timestamp_seconds{drill="accidental-delete",environment="native"} ${passedAt}\n`,
    );
    expect(text).toContain('drdrill_verdict{drill="accidental-delete",environment="native",verdict="failed"} 1\n');
    expect(text).not.toContain('drdrill_rto_service_seconds{drill="accidental-delete"');
    expect(text).toContain('drdrill_verdict{drill="corruption",environment="native",verdict="error"} 1\n');
    expect(promtoolCheck(text).status).toBe(0);
  });

  it('stops before any drill when the Pushgateway is unreachable (exit 3) or the file is not drdrill’s (exit 2)', async () => {
    const out = tempOutDir();
    const port = await freePort();
    const down = await runCli(['run', 'smoke', '--out', out, '--pushgateway', `http://127.0.0.1:${port}`]);
    expect(down.stderr).toContain(`--pushgateway http://127.0.0.1:${port}: GET /-/ready failed (ECONNREFUSED)`);
    expect(down.code).toBe(3);
    expect(existsSync(join(out, 'smoke'))).toBe(false);

    const foreign = join(tempDir('drdrill-textfile-'), 'node.prom');
    writeFileSync(foreign, '# TYPE node_custom gauge\nnode_custom 1\n');
    const refused = await runCli(['run', 'smoke', '--out', out, '--metrics', foreign]);
    expect(refused.stderr).toContain(`${foreign}: not a drdrill metrics file (it holds node_custom)`);
    expect(refused.code).toBe(2);
    expect(readFileSync(foreign, 'utf8')).toBe('# TYPE node_custom gauge\nnode_custom 1\n');
  });
});
