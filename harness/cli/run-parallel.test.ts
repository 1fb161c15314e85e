import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { journalOf } from '../testing/journals.js';
import { processesMentioning } from '../testing/processes.js';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../testing/run-cli.js';

const smoke = (name: string, extra = '') => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: 2m
${extra}dataset: { scale: 200 }
workload: { ledger: { rate: 50 }, before: 3s, after: 0s }
verify: [ { rowCounts: baseline }, { ledger: complete } ]
`;

const suiteIndex = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { drills: { drill: string; verdict: string }[] })
    .drills;

describe('drdrill run --parallel (real PostgreSQL + s3rver)', () => {
  it('runs two drills at the same time, each isolated; both pass, the suite lists both, exit 0', async () => {
    const dir = inlineScenarios({ 'a.yaml': smoke('smoke-a'), 'b.yaml': smoke('smoke-b') });
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', dir, '--parallel', '2', '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [a, b] = ['smoke-a', 'smoke-b'].map((d) => journalOf(out, d));
    expect([a!.verdict, b!.verdict]).toEqual(['passed', 'passed']);
    // They overlapped: each started before the other finished.
    expect(Date.parse(a!.startedAt)).toBeLessThan(Date.parse(b!.finishedAt));
    expect(Date.parse(b!.startedAt)).toBeLessThan(Date.parse(a!.finishedAt));
    // Nothing shared: own object store, bucket, port and work directory each.
    expect(a!.environment!.objectStore.endpoint).not.toBe(b!.environment!.objectStore.endpoint);
    expect(a!.environment!.objectStore.bucket).not.toBe(b!.environment!.objectStore.bucket);
    expect(a!.runId).not.toBe(b!.runId);
    // Plain progress lines name their drill, and both drills' phases interleave.
    const lines = r.stdout.split('\n');
    const firstEnd = lines.findIndex((l) => /^✔ smoke-[ab]: PASSED/.test(l));
    expect(lines.slice(0, firstEnd).some((l) => l.startsWith('smoke-a › '))).toBe(true);
    expect(lines.slice(0, firstEnd).some((l) => l.startsWith('smoke-b › '))).toBe(true);
    expect(r.stdout).toContain('drills: 2 passed, 0 failed');
    // The suite index lists both, in the order given.
    expect(suiteIndex(out)).toEqual([
      expect.objectContaining({ drill: 'smoke-a', verdict: 'passed' }),
      expect.objectContaining({ drill: 'smoke-b', verdict: 'passed' }),
    ]);
    expect(processesMentioning(work)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });

  it('exits 1 when one of two parallel drills fails, and still runs and reports the other', async () => {
    const dir = inlineScenarios({
      'a.yaml': smoke('passes'),
      // Nothing is lost in a drill without a fault: an objective asking for a loss is missed.
      'b.yaml': smoke('fails', 'objectives: { rpo: "> 0 rows" }\n'),
    });
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', dir, '--parallel', '2', '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.failed);
    expect(journalOf(out, 'passes').verdict).toBe('passed');
    const failed = journalOf(out, 'fails');
    expect(failed.verdict).toBe('failed');
    expect(failed.reason).toMatch(/objective rpo/);
    expect(r.stdout).toContain('drills: 1 passed, 1 failed');
    expect(suiteIndex(out).map((d) => [d.drill, d.verdict])).toEqual([
      ['passes', 'passed'],
      ['fails', 'failed'],
    ]);
    expect(processesMentioning(work)).toEqual([]);
  });

  it('refuses --parallel 0 before starting anything', async () => {
    const dir = inlineScenarios({ 'a.yaml': smoke('never') });
    const r = await runCli(['run', dir, '--parallel', '0', '--out', join(tempOutDir(), 'x')]);
    expect(r.code).toBe(EXIT_CODES['invalid-config']);
    expect(r.stderr).toContain('--parallel must be a whole number of at least 1, not 0');
  });
});
