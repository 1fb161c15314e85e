import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import auditCommand from '../../harness/cli/commands/audit.js';
import { DrillError } from '../../harness/engine/errors.js';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import { createBundle } from '../../harness/evidence/bundle.js';
import { runCli, tempDir } from '../../harness/testing/run-cli.js';
import { packageRoot } from '../../harness/util/paths.js';
import { loadFixture, type FixtureName } from '../fixtures/index.js';
import { renderDrillReports } from '../index.js';
import type { FrameworkAudit } from './audit.js';
import { CONTROLS_FILE, parseControlMap } from './control-map.js';
import { runCommand } from '../../harness/testing/in-process-cli.js';

const PLAN = join(packageRoot(), 'reports', 'fixtures', 'drp-plan.yaml');
let results: string;

/** A results directory as `drdrill run` leaves it, with the passed drill bundled for audit. */
beforeAll(async () => {
  results = tempDir('drdrill-audit-');
  for (const name of ['passed', 'failed', 'error'] as FixtureName[]) {
    const journal = loadFixture(name);
    const dir = join(results, journal.drill);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'journal.json'), JSON.stringify(journal, null, 2) + '\n');
    await renderDrillReports(journal, dir, ['html']);
  }
  await createBundle({ drillDir: join(results, 'accidental-delete') });
});

const audit = (args: string[]): Promise<string> => runCommand(auditCommand, ['audit', ...args]);

async function auditJson(dir: string, ...args: string[]): Promise<FrameworkAudit> {
  return JSON.parse(await audit([dir, '--format', 'json', '--as-of', '2025-11-01', ...args])) as FrameworkAudit;
}

/** Every link resolves to a file under the results directory, and its #anchor to an element of that page. */
function expectLinksResolve(audit: FrameworkAudit, base: string): number {
  let n = 0;
  for (const item of audit.controls.flatMap((c) => c.items))
    for (const e of item.evidence.filter((x) => x.href)) {
      const [file, anchor] = e.href!.split('#');
      expect(existsSync(join(base, file!)), e.href).toBe(true);
      if (anchor) expect(readFileSync(join(base, file!), 'utf8'), e.href).toContain(`id="${anchor}"`);
      n++;
    }
  return n;
}

describe('drdrill audit', () => {
  test('--framework dora lists the Art. 11 and Art. 12 items, each with its evidence or "missing"', async () => {
    const r = await runCli(['audit', results, '--framework', 'dora', '--as-of', '2025-11-01']);
    expect(r.code, r.stderr).toBe(0);
    const controlLines = r.stdout.split('\n').filter((l) => /^Art\. /.test(l));
    expect(controlLines.map((l) => l.split(' [')[0])).toEqual([
      'Art. 11',
      'Art. 12(1)',
      'Art. 12(2)',
      'Art. 12(3)',
      'Art. 12(6)',
      'Art. 12(7)',
    ]);
    // Each item line says "evidence", "evidence with gaps" or "missing"; a missing item lists what to do.
    const itemLines = r.stdout.split('\n').filter((l) => /^ {2}[✔▲✘] /.test(l));
    expect(itemLines.length).toBeGreaterThanOrEqual(12);
    for (const l of itemLines) expect(l).toMatch(/: (evidence|evidence with gaps|missing)$/);
    expect(r.stdout).toContain(
      'accidental-delete followed https://wiki.example.com/runbooks/postgres-pitr @ v7 (procedure: pitr)  → accidental-delete-evidence/report.html#audit',
    );
    expect(r.stdout).toContain(
      [
        '  ✘ Findings, remediation and plan revision: missing',
        '      missing: corruption ended error and no finding or remediation is recorded',
        '      missing: replica-failover ended failed and no finding or remediation is recorded',
      ].join('\n'),
    );

    const audit = await auditJson(results, '--framework', 'dora');
    for (const c of audit.controls)
      for (const i of c.items) {
        if (i.status === 'missing') expect(i.evidence, `${c.id} ${i.item.id}`).toEqual([]);
        else expect(i.evidence.length, `${c.id} ${i.item.id}`).toBeGreaterThan(0);
      }
    const byId = Object.fromEntries(audit.controls.flatMap((c) => c.items).map((i) => [i.item.id, i]));
    expect(byId.isolation!.status).toBe('satisfied');
    expect(byId['measured-vs-target']!.gaps).toContain(
      'replica-failover missed rpo.lostAckedWrites = 0 rows (measured 37 writes)',
    );
    expect(byId['integrity-checks']!.gaps).toContain(
      'corruption: the verify phase never ran, so the restored data was not checked',
    );
    // The bundle is preferred to the plain results, and verified.
    expect(audit.supporting[0]!.evidence[0]!.text).toBe(
      'accidental-delete-evidence: 4 files match the manifest; unsigned',
    );
    expect(expectLinksResolve(audit, results)).toBeGreaterThan(10);
  });

  test('an empty results directory lists every item as missing; --fail-on untested exits 1', async () => {
    const empty = tempDir('drdrill-audit-empty-');
    const audit = await auditJson(empty, '--framework', 'dora');
    const items = [...audit.controls.flatMap((c) => c.items), ...audit.supporting];
    expect(items.length).toBeGreaterThanOrEqual(12);
    for (const i of items) expect(i.status, i.item.id).toBe('missing');

    const gate = await runCli(['audit', empty, '--framework', 'dora', '--fail-on', 'untested']);
    expect(gate.code).toBe(EXIT_CODES.failed);
    expect(gate.stdout).toContain('6 controls: 0 evidenced, 0 with gaps, 6 missing');
    expect(gate.stderr).toMatch(/^drdrill: --fail-on: untested: no evidence of "/m);
    // The same directory with drills in it still has gaps, but every item has some evidence.
    const full = await auditJson(results, '--framework', 'dora', '--drp', PLAN);
    expect(
      full.controls
        .flatMap((c) => c.items)
        .filter((i) => i.status === 'missing')
        .map((i) => i.item.id),
    ).toEqual(['findings']);
  });

  test('soc2 and iso27001 list their controls; md and html reports link relative to where they are written', async () => {
    const soc2 = await auditJson(results, '--framework', 'soc2', '--drp', PLAN);
    expect(soc2.controls.map((c) => c.id)).toEqual(['A1.2', 'A1.3', 'CC7.5']);
    const backup = soc2.controls[0]!.items[0]!;
    expect(backup.evidence[0]!.text).toBe(
      'plan "Shop database": Full backups, Daily at 2 AM UTC; restored in accidental-delete (2025-10-21)',
    );
    expect(backup.gaps).toEqual(['Logical dumps (dump): no passing drill restored one']);
    const iso = await auditJson(results, '--framework', 'iso27001');
    expect(iso.controls.map((c) => c.id)).toEqual(['A.5.30', 'A.8.13']);

    const out = join(tempDir('drdrill-audit-out-'), 'pages', 'audit-iso.html');
    expect(await audit([results, '--framework', 'iso27001', '--format', 'html', '--out', out])).toBe(`audit: ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<h2 id="control-\d+" data-control="/g)).toHaveLength(2);
    const hrefs = [...html.matchAll(/<a href="([^"#]+)/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(5);
    for (const h of hrefs) expect(existsSync(join(out, '..', h)), h).toBe(true);

    const md = { stdout: await audit([results, '--framework', 'dora', '--format', 'md']) };
    expect(md.stdout).toContain('## Art. 12(3): EVIDENCED');
    expect(md.stdout).toContain('| Restore target isolated from the production system | ✔ evidence |');
  });

  test('a bundle that no longer verifies is a gap, never evidence; bad arguments are config errors', async () => {
    const copy = tempDir('drdrill-audit-tamper-');
    cpSync(results, copy, { recursive: true });
    const journal = join(copy, 'accidental-delete-evidence', 'journal.json');
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"passed"', '"passed" '));
    const tampered = await auditJson(copy, '--framework', 'dora');
    expect(tampered.supporting[0]!.gaps[0]).toMatch(
      /^accidental-delete-evidence does not verify: changed: journal\.json \(sha256 /,
    );
    expect(tampered.supporting[0]!.evidence[0]!.text).toContain('DOES NOT VERIFY');

    await expect(audit([results, '--framework', 'pci'])).rejects.toThrow(/Invalid values/);
    await expect(audit([results, '--framework', 'dora', '--fail-on', 'overdue'])).rejects.toThrow(
      new DrillError(
        'invalid-config',
        '--fail-on overdue needs --drp plan.yaml: procedures and their cadence come from the plan',
      ),
    );
  });

  test('the control map names only controls it defines, and lists every item drdrill can find', () => {
    const text = readFileSync(CONTROLS_FILE, 'utf8');
    expect(() => parseControlMap(text, 'controls.yaml')).not.toThrow();
    expect(() => parseControlMap(text.replace('soc2: [A1.2]', 'soc2: [A1.9]'), 'controls.yaml')).toThrow(
      'controls.yaml: evidence.0.controls.soc2 names "A1.9", which frameworks.soc2.controls does not define',
    );
    expect(() => parseControlMap(text.replace(/ {2}- id: tamper-evidence[\s\S]*$/, ''), 'controls.yaml')).toThrow(
      'controls.yaml: evidence does not list "tamper-evidence"',
    );
  });
});
