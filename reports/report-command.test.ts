import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import reportCommand from '../harness/cli/commands/report.js';
import { packageRoot } from '../harness/util/paths.js';
import { fixturePath, loadFixture } from './fixtures/index.js';
import { runCommand } from '../harness/testing/in-process-cli.js';

const root = mkdtempSync(join(tmpdir(), 'drdrill-report-cmd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const report = (args: string[]): Promise<string> => runCommand(reportCommand, ['report', ...args]);

describe('drdrill report', () => {
  test('re-renders old journals in every format, with the DRP page and trends linked from the index', async () => {
    const out = join(root, 'all');
    const history = join(root, 'history', 'q2', 'accidental-delete');
    mkdirSync(history, { recursive: true });
    const older = loadFixture('passed');
    older.startedAt = '2025-06-30T10:00:00.000Z';
    older.measurements.rto!.serviceSeconds = 20;
    writeFileSync(join(history, 'journal.json'), JSON.stringify(older));

    const stdout = await report([
      fixturePath('passed'),
      fixturePath('failed'),
      '--reporter',
      'html,md,junit,json',
      '--out',
      out,
      '--drp',
      join(packageRoot(), 'reports', 'fixtures', 'drp-plan.yaml'),
      '--trends',
      join(root, 'history'),
      '--as-of',
      '2025-11-01',
    ]);
    for (const f of [
      'index.html',
      'index.md',
      'junit.xml',
      'index.json',
      'compliance.html',
      'compliance.md',
      'trends.html',
      'trends.md',
      'accidental-delete/report.html',
      'accidental-delete/report.md',
      'accidental-delete/junit.xml',
      'accidental-delete/journal.json',
      'replica-failover/report.html',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(stdout).toContain(`report: ${join(out, f)}\n`);
    }
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('<a href="compliance.html">Disaster-recovery-plan compliance</a>');
    expect(index).toContain('<a href="trends.html">');
    expect(readFileSync(join(out, 'trends.html'), 'utf8')).toContain(
      'RTO of accidental-delete grew 106 % since 2025-Q2 (2025-Q2: 20 s → 2025-Q4: 41.2 s)',
    );
    expect(readFileSync(join(out, 'compliance.md'), 'utf8')).toContain('✔ MET');
  });

  test('a directory of results is searched for journals; a missing path is one clear error', async () => {
    const results = join(root, 'results');
    for (const name of ['error', 'interrupted'] as const) {
      const j = loadFixture(name);
      mkdirSync(join(results, j.drill), { recursive: true });
      writeFileSync(join(results, j.drill, 'journal.json'), JSON.stringify(j));
    }
    const out = join(root, 'from-dir');
    await report([results, '--out', out, '--reporter', 'md']);
    expect(readFileSync(join(out, 'index.md'), 'utf8')).toContain('1 error, 1 interrupted');
    await expect(report([join(root, 'absent.json')])).rejects.toThrow(
      `${join(root, 'absent.json')}: no such journal file or directory`,
    );
    await expect(report([fixturePath('passed'), '--reporter', 'xls'])).rejects.toThrow('unknown reporter "xls"');
  });
});
