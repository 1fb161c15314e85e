import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../engine/exit-codes.js';
import { containerLane, leftoversOf } from '../../testing/container-lane.js';
import { processesMentioning } from '../../testing/processes.js';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../../testing/run-cli.js';
import { DRILL_LABEL, RUN_LABEL } from './labels.js';
import { journalOf } from '../../testing/journals.js';

const lane = await containerLane();

const scenario = (name: string, body: string) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: 3m
environment: { kind: testcontainers, postgres: { settings: { archive_timeout: "5s" } } }
dataset: { fixture: shop, scale: 200 }
${body}
`;

describe.skipIf(Boolean(lane.skip))('testcontainers cleanup: nothing a drill created outlives it', () => {
  const docker = lane.docker!;

  it('a failed drill (WAL archive gap) removes its containers and network', async () => {
    const dir = inlineScenarios({
      'gap.yaml': scenario(
        'tc-gap',
        `workload: { ledger: { rate: 100 }, before: 3s, after: 1s }
backup: [{ method: basebackup, archiveWal: true }]
fault: { type: accidental-delete, sql: DELETE FROM customers, removeWalSegment: true }
recovery: { procedure: pitr, target: { type: before-fault } }`,
      ),
    });
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', join(dir, 'gap.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.failed);
    const j = journalOf(out, 'tc-gap');
    expect(j.reason).toMatch(/gap: segment [0-9A-F]{24} is missing/);
    expect(await leftoversOf(docker, j.runId!)).toEqual([]);
    expect(processesMentioning(work)).toEqual([]);
  });

  it("SIGINT mid-drill: gc keeps a running drill's containers, then the drill removes them itself and exits 130", async () => {
    const dir = inlineScenarios({
      'long.yaml': scenario('tc-sigint', 'workload: { ledger: { rate: 50 }, before: 5m, after: 0s }'),
    });
    const out = tempOutDir();
    const work = workDir();
    let running: Promise<void> | undefined;
    const gcWhileRunning: string[] = [];
    const run = runCli(['run', join(dir, 'long.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
      onStdout: (chunk) => {
        if (running || !chunk.includes('workload …')) return;
        running = (async () => {
          const [c] = await docker.listContainers({ filters: JSON.stringify({ label: [`${DRILL_LABEL}=tc-sigint`] }) });
          const gc = await runCli(['gc', '--run', c!.Labels[RUN_LABEL]!, '--json']);
          gcWhileRunning.push(...(JSON.parse(gc.stdout) as { status: string }[]).map((l) => l.status));
          process.kill(run.pid, 'SIGINT');
        })();
      },
    });
    const r = await run;
    await running;
    expect(gcWhileRunning.length).toBeGreaterThanOrEqual(3);
    expect(new Set(gcWhileRunning)).toEqual(new Set(['kept: its drill is still running']));
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.interrupted);
    const j = journalOf(out, 'tc-sigint');
    expect(j.verdict).toBe('interrupted');
    expect(await leftoversOf(docker, j.runId!)).toEqual([]);
    expect(processesMentioning(work)).toEqual([]);
  });
  it.each([800, 2500])(
    'SIGINT %d ms into provisioning, while containers are being created: none outlives the run',
    async (delay) => {
      const name = `tc-early-${delay}`;
      const dir = inlineScenarios({
        'early.yaml': scenario(name, 'workload: { ledger: { rate: 50 }, before: 1m, after: 0s }'),
      });
      const out = tempOutDir();
      let sent = false;
      const run = runCli(['run', join(dir, 'early.yaml'), '--out', out, '--reporter', 'json'], {
        env: { DRDRILL_WORK_DIR: workDir() },
        onStdout: (chunk) => {
          if (sent || !chunk.includes('provision …')) return;
          sent = true;
          setTimeout(() => process.kill(run.pid, 'SIGINT'), delay);
        },
      });
      const r = await run;
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.interrupted);
      const j = journalOf(out, name);
      expect(j.phases.find((p) => p.name === 'provision')!.status).toBe('interrupted');
      expect(await leftoversOf(docker, j.runId!)).toEqual([]);
    },
  );
});

describe.skipIf(existsSync('/var/run/docker.sock'))('testcontainers without a container engine', () => {
  it('exits 3 before starting anything and says how to get an engine', async () => {
    const out = tempOutDir();
    const r = await runCli(['run', 'scenarios/smoke.yaml', '--env', 'testcontainers', '--out', out], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stdout + r.stderr).toMatch(/needs a container engine.*DOCKER_HOST.*fixtures\/podman\/setup\.sh/s);
  });
});

describe('testcontainers checks before any work', () => {
  it('an external S3 endpoint on the host loopback is refused (exit 2): containers cannot reach it', async () => {
    const dir = inlineScenarios({
      'loop.yaml': `apiVersion: drdrill/v1
kind: Drill
metadata: { name: tc-loopback }
environment:
  kind: testcontainers
  objectStore: { kind: s3, endpoint: "http://127.0.0.1:9000", bucket: drills, accessKeyId: { env: K }, secretAccessKey: { env: S } }
`,
    });
    const r = await runCli(['run', join(dir, 'loop.yaml'), '--out', tempOutDir()], { env: { K: 'key', S: 'secret' } });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES['invalid-config']);
    expect(r.stderr).toMatch(
      /http:\/\/127\.0\.0\.1:9000 is this machine's loopback address, which containers cannot reach/,
    );
  });
});
