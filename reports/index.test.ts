import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DrillError } from '../harness/engine/errors.js';
import { registerSecret } from '../harness/util/logger.js';
import { loadFixture } from './fixtures/index.js';
import { parseReporterList, renderDrillReports, renderSuiteReports } from './index.js';

const out = mkdtempSync(join(tmpdir(), 'drdrill-reports-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('reporter registry', () => {
  test('every format writes its file; json never overwrites the engine journal', async () => {
    const journal = loadFixture('passed');
    const dir = join(out, 'all');
    const written = await renderDrillReports(journal, dir, ['html', 'md', 'junit', 'json']);
    expect(written.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'journal.json',
      'junit.xml',
      'report.html',
      'report.md',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8'))).toEqual(journal);

    writeFileSync(join(dir, 'journal.json'), '{"engine":"copy"}');
    expect(await renderDrillReports(journal, dir, ['json'])).toEqual([]);
    expect(readFileSync(join(dir, 'journal.json'), 'utf8')).toBe('{"engine":"copy"}');
  });

  test('suite files: index.html, index.md, junit.xml and index.json', async () => {
    const journals = [loadFixture('passed'), loadFixture('failed')];
    const written = await renderSuiteReports(journals, join(out, 'suite'), ['html', 'md', 'junit', 'json']);
    expect(written.map((f) => f.split('/').at(-1)).sort()).toEqual([
      'index.html',
      'index.json',
      'index.md',
      'junit.xml',
    ]);
    const index = JSON.parse(readFileSync(join(out, 'suite', 'index.json'), 'utf8')) as {
      drills: { drill: string; verdict: string; journal: string }[];
    };
    expect(index.drills).toEqual([
      expect.objectContaining({
        drill: 'accidental-delete',
        verdict: 'passed',
        journal: 'accidental-delete/journal.json',
      }),
      expect.objectContaining({
        drill: 'replica-failover',
        verdict: 'failed',
        journal: 'replica-failover/journal.json',
      }),
    ]);
  });

  test('an unknown reporter name is a config error that names it', () => {
    expect(() => parseReporterList('html, docx')).toThrow(DrillError);
    expect(() => parseReporterList('html, docx')).toThrow(
      'unknown reporter "docx"; expected html, md, junit, json, pdf',
    );
    expect(parseReporterList(' html,md ,junit,json,pdf')).toEqual(['html', 'md', 'junit', 'json', 'pdf']);
  });

  test('a custom reporter module is loaded by path', async () => {
    const module = join(out, 'custom-reporter.mjs');
    writeFileSync(
      module,
      `import { writeFile, mkdir } from 'node:fs/promises';
export default { async renderDrill(journal, dir) { await mkdir(dir, { recursive: true }); const f = dir + '/custom.txt'; await writeFile(f, journal.verdict); return [f]; } };`,
    );
    const dir = join(out, 'custom');
    expect(await renderDrillReports(loadFixture('failed'), dir, [module])).toEqual([join(dir, 'custom.txt')]);
    expect(readFileSync(join(dir, 'custom.txt'), 'utf8')).toBe('failed');
  });

  test('a registered secret that reached the journal is masked in every report', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    registerSecret(secret);
    const journal = loadFixture('error');
    journal.reason = `recover: AccessDenied for secret ${secret}`;
    journal.checks[0]!.evidence.output = `aws s3 cp --secret ${secret}`;
    const dir = join(out, 'secret');
    await renderDrillReports(journal, dir, ['html', 'md', 'junit', 'json']);
    await renderSuiteReports([journal], dir, ['html', 'md', 'junit', 'json']);
    const all = files(dir);
    expect(all.length).toBe(7); // drill and suite junit.xml share the name in one directory
    for (const f of all) expect(readFileSync(f, 'utf8'), f).not.toContain(secret);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('AccessDenied for secret ***');
    expect(existsSync(join(dir, 'journal.json'))).toBe(true);
  });
});
