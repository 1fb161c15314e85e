import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHASE_NAMES } from '../engine/journal.js';
import { journalOf } from '../testing/journals.js';
import { findPostgresBinDir } from '../environments/native/postgres-binaries.js';
import { processesMentioning } from '../testing/processes.js';
import { runCli, tempOutDir, workDir } from '../testing/run-cli.js';

describe('drdrill run scenarios/smoke.yaml (real PostgreSQL + s3rver)', () => {
  it('exits 0 and writes a journal with every phase timed and the server version', async () => {
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', 'scenarios/smoke.yaml', '--out', out], { env: { DRDRILL_WORK_DIR: work } });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const j = journalOf(out, 'smoke');
    expect(j.verdict).toBe('passed');
    expect(j.schemaVersion).toBe(1);
    expect(j.scenario.sha256).toMatch(/^[0-9a-f]{64}$/);

    // A drill without a fault runs neither the fault phases nor a restore test's (list, fetch, integrity, ...).
    const expectedPhases = PHASE_NAMES.filter(
      (p) => !['inject', 'detect', 'recover', 'list', 'fetch', 'integrity', 'restore', 'replay'].includes(p),
    );
    expect(j.phases.map((p) => p.name)).toEqual(expectedPhases);
    // Phases run one after the other: each starts where the previous one ended, and its monotonic duration
    // agrees with its timestamps.
    j.phases.forEach((p, i) => {
      expect(p.status, p.name).toBe('passed');
      expect(Math.abs(p.seconds - (Date.parse(p.end) - Date.parse(p.start)) / 1000), p.name).toBeLessThan(0.01);
      if (i > 0) expect(Date.parse(p.start), p.name).toBeGreaterThanOrEqual(Date.parse(j.phases[i - 1]!.end));
    });
    expect(j.phases.find((p) => p.name === 'workload')!.seconds).toBeGreaterThanOrEqual(3);

    const serverVersion = execFileSync(join(findPostgresBinDir(), 'postgres'), ['--version'], {
      encoding: 'utf8',
    }).match(/\d+\.\d+/)![0];
    expect(j.environment!.postgres.version).toContain(`PostgreSQL ${serverVersion}`);
    expect(j.environment!.postgres.settings.data_checksums).toBe('on');

    expect(j.checks.length).toBeGreaterThanOrEqual(9);
    expect(j.checks.every((c) => c.status === 'passed')).toBe(true);
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
    const ackLines = readFileSync(join(out, 'smoke', 'ledger-acks.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(j.measurements.ledger!.acked).toBe(ackLines.length);
    expect(ackLines.length).toBeGreaterThan(200); // 100/s for 3 s

    // Torn down: no process of the drill, no work directory.
    expect(processesMentioning(work)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });

  it('keeps the work directory with --keep and still stops every process', async () => {
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', 'smoke', '--out', out, '--keep', '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stderr).toBe(0);
    const [kept] = readdirSync(work);
    expect(kept).toMatch(/^drdrill-smoke-/);
    expect(existsSync(join(work, kept!, 'instances', 'primary', 'data', 'PG_VERSION'))).toBe(true);
    expect(processesMentioning(work)).toEqual([]);
  });

  it('runs two drills at the same time without collisions', async () => {
    const work = workDir();
    const outs = [tempOutDir(), tempOutDir()];
    const results = await Promise.all(
      outs.map((out) =>
        runCli(['run', 'smoke', '--out', out, '--reporter', 'json'], { env: { DRDRILL_WORK_DIR: work } }),
      ),
    );
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);
    const [a, b] = outs.map((o) => journalOf(o, 'smoke'));
    expect(a!.environment!.objectStore.endpoint).not.toBe(b!.environment!.objectStore.endpoint);
    expect(a!.environment!.objectStore.bucket).not.toBe(b!.environment!.objectStore.bucket);
    expect(processesMentioning(work)).toEqual([]);
  });
});
