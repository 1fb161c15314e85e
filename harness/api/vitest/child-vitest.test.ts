import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { journalOf } from '../../testing/journals.js';
import { processesMentioning } from '../../testing/processes.js';
import { tempDir, workDir } from '../../testing/run-cli.js';
import { packageRoot } from '../../util/paths.js';

/** Runs vitest in a child process, as a user's `npx vitest run` would, with drills writing to `out`. */
async function childVitest(config: string, out: string, work: string) {
  const vitest = join(packageRoot(), 'node_modules', 'vitest', 'vitest.mjs');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [vitest, 'run', '--config', config], {
      cwd: packageRoot(),
      env: { ...process.env, DRDRILL_VITEST_OUT: out, DRDRILL_WORK_DIR: work, NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('drdrill/vitest in a child vitest', () => {
  it('the deliberately failing example fails, naming the failing check with its evidence', async () => {
    const out = tempDir('drdrill-vitest-out-');
    const work = workDir();
    const r = await childVitest('examples/vitest/failing/vitest.config.ts', out, work);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('expected drill "replays-the-delete" to pass, but it ended failed');
    expect(r.output).toMatch(/✗ row count of customers \(verify\) failed: expected 300 baseline rows, found 0/);
    expect(r.output).toContain('query: SELECT count(*)::text AS n FROM "customers"');
    expect(r.output).toContain('Tests  1 failed (1)');

    // The HTML report is attached to the test and exists where the annotation says.
    const report = /drdrill failed: (\S+report\.html)/.exec(r.output)?.[1];
    expect(report, r.output).toBe(
      join(
        out,
        'examples/vitest/failing/replays-the-delete/pitr-to-the-end-of-the-archive-brings-the-customers-back',
        'replays-the-delete',
        'report.html',
      ),
    );
    expect(readFileSync(report!, 'utf8')).toContain('row count of customers');
    const j = journalOf(join(report!, '..', '..'), 'replays-the-delete');
    expect(j.verdict).toBe('failed');
    expect(j.scenario.file).toBe('examples/vitest/failing/replays-the-delete.test.ts:7');

    // Torn down after the failure: no process of the drill, no work directory.
    expect(processesMentioning(work)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });

  it('a drill that outlives its test timeout is torn down and its journal says timedout', async () => {
    const out = tempDir('drdrill-vitest-out-');
    const work = workDir();
    const r = await childVitest('harness/api/vitest/fixtures/vitest.config.ts', out, work);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('Test timed out in 8000ms');
    const dir = join(out, 'harness/api/vitest/fixtures/times-out.drill/a-drill-longer-than-its-test');
    expect(existsSync(join(dir, 'outlives-its-test', 'journal.json')), r.output).toBe(true);
    const j = journalOf(dir, 'outlives-its-test');
    expect(j.verdict).toBe('timedout');
    expect(j.reason).toContain('vitest: Test timed out in 8000ms');
    // Whichever phase was running when the test's time ran out (on a loaded machine, not always the workload).
    expect(j.phases.filter((p) => p.status === 'timedout')).toHaveLength(1);
    expect(j.phases.find((p) => p.name === 'teardown')?.status).toBe('passed');
    expect(processesMentioning(work)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });
});
