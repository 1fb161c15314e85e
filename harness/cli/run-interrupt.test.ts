import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { processesMentioning } from '../testing/processes.js';
import { journalOf } from '../testing/journals.js';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../testing/run-cli.js';

const longWorkload = (name: string, deadline: string) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: ${deadline}
dataset: { scale: 200 }
workload: { ledger: { rate: 50 }, before: 60s, after: 0s }
verify: [ { rowCounts: baseline } ]
`;

describe('interrupting and timing out a drill', () => {
  it('SIGINT during the workload: cleans up, journal says interrupted, exit code 130', async () => {
    const dir = inlineScenarios({ 'long.yaml': longWorkload('long', '5m') });
    const out = tempOutDir();
    const work = workDir();
    let sawWorkload = false;
    const run = runCli(['run', join(dir, 'long.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
      onStdout: (chunk) => {
        if (!sawWorkload && chunk.includes('workload …')) {
          sawWorkload = true;
          // Let the ledger and both servers run for a moment, then press Ctrl-C.
          setTimeout(() => process.kill(run.pid, 'SIGINT'), 1500);
        }
      },
    });
    const r = await run;
    expect(sawWorkload).toBe(true);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.interrupted);
    const j = journalOf(out, 'long');
    expect(j.verdict).toBe('interrupted');
    expect(j.phases.find((p) => p.name === 'workload')!.status).toBe('interrupted');
    expect(j.phases.find((p) => p.name === 'teardown')!.status).toBe('passed');
    expect(processesMentioning(work)).toEqual([]);
    expect(readdirSync(work)).toEqual([]);
  });

  it('a drill that passes its deadline ends timedout with exit code 5', async () => {
    const dir = inlineScenarios({ 'slow.yaml': longWorkload('slow', '6s') });
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', join(dir, 'slow.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stderr).toBe(EXIT_CODES.timedout);
    const j = journalOf(out, 'slow');
    expect(j.verdict).toBe('timedout');
    expect(j.reason).toMatch(/deadline of 6s passed/);
    expect(processesMentioning(work)).toEqual([]);
  });

  it('an invalid scenario exits with the invalid-config code and starts nothing', async () => {
    const dir = inlineScenarios({
      'bad.yaml': longWorkload('bad', '5m').replace('dataset: { scale: 200 }', 'dataset: { scael: 200 }'),
    });
    const out = join(tempOutDir(), 'never');
    const work = workDir();
    for (const args of [
      ['validate', join(dir, 'bad.yaml')],
      ['run', join(dir, 'bad.yaml'), '--out', out],
    ]) {
      const r = await runCli(args, { env: { DRDRILL_WORK_DIR: work } });
      expect(r.code).toBe(EXIT_CODES['invalid-config']);
      expect(r.stderr).toContain(
        `${join(dir, 'bad.yaml')}:5:12: dataset.scael is not a known key; expected one of "fixture", "sql", "dump", "pgbench", "scale", "seed"`,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });
});
