import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../testing/run-cli.js';
import { journalOf } from '../testing/journals.js';

const scenario = `apiVersion: drdrill/v1
kind: Drill
metadata:
  name: audited-smoke
  owner: dba-team@example.com
  runbook: { path: docs/runbooks/smoke.md, version: 3f2a9c1 }
  rationale: The environment, the backups and the checks must work before any disaster is rehearsed.
dataset: { scale: 100 }
workload: { before: 1s, after: 0s }
verify: [ { rowCounts: baseline }, { ledger: complete } ]
`;

describe('the audit record of a real drill (PostgreSQL + s3rver)', () => {
  it('carries owner, runbook, rationale, --operator and --approver into the journal and every report', async () => {
    const out = tempOutDir();
    const dir = inlineScenarios({ 'audited.yaml': scenario });
    const r = await runCli(
      [
        'run',
        join(dir, 'audited.yaml'),
        '--out',
        out,
        '--reporter',
        'html,md,junit,json',
        '--operator',
        'alice@example.com',
        '--approver',
        'bob@example.com',
      ],
      { env: { DRDRILL_WORK_DIR: workDir() } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const drill = join(out, 'audited-smoke');
    const journal = journalOf(dirname(drill), basename(drill));
    expect(journal.audit).toEqual({
      owner: 'dba-team@example.com',
      runbook: { path: 'docs/runbooks/smoke.md', version: '3f2a9c1' },
      rationale: 'The environment, the backups and the checks must work before any disaster is rehearsed.',
      operator: 'alice@example.com',
      approver: 'bob@example.com',
    });
    const html = readFileSync(join(drill, 'report.html'), 'utf8');
    expect(html).toContain(
      '<tr data-field="runbook"><th>Runbook followed</th><td>docs/runbooks/smoke.md @ 3f2a9c1</td></tr>',
    );
    expect(html).toContain('<tr data-field="operator"><th>Operator</th><td>alice@example.com</td></tr>');
    expect(readFileSync(join(drill, 'report.md'), 'utf8')).toContain('| Approver | bob@example.com |');
    const junit = readFileSync(join(drill, 'junit.xml'), 'utf8');
    expect(junit).toContain('<property name="audit.owner" value="dba-team@example.com"/>');
    expect(junit).toContain(`<property name="runId" value="${journal.runId!}"/>`);
  });

  it('a runbook needs a url or a path; the error names the position', async () => {
    const dir = inlineScenarios({
      'bad.yaml': scenario.replace('{ path: docs/runbooks/smoke.md, version: 3f2a9c1 }', '{ version: 3f2a9c1 }'),
    });
    const r = await runCli(['validate', join(dir, 'bad.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:6:\d+: metadata\.runbook must have a url or a path/);
  });
});
