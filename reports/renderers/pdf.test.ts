import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import { runCli, tempDir } from '../../harness/testing/run-cli.js';
import { fixturePath, loadFixture } from '../fixtures/index.js';
import { findChromium } from '../pdf/chromium.js';

const hasChromium = ['chromium', 'chromium-browser', 'google-chrome'].some((b) => existsSync(`/usr/bin/${b}`));
const hasPdftotext = existsSync('/usr/bin/pdftotext');
const skipWhy = !hasChromium
  ? 'Chromium is absent: install it with "apt-get install chromium" to run the PDF test'
  : !hasPdftotext
    ? 'pdftotext is absent: install it with "apt-get install poppler-utils" to run the PDF test'
    : '';

/** The PDF's text, page by page, as an auditor's tools extract it. */
function pdfPages(file: string): string[] {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })
    .split('\f')
    .filter((p) => p.trim());
}

describe('--reporter pdf', () => {
  test('the accidental-delete PDF holds the verdict, RTO and RPO as text, with a header on every page', async (ctx) => {
    if (skipWhy) ctx.skip(skipWhy);
    const journal = loadFixture('passed');
    const out = tempDir('drdrill-pdf-');
    const r = await runCli(['report', fixturePath('passed'), '--reporter', 'pdf', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const file = join(out, 'accidental-delete', 'report.pdf');
    expect(r.stdout).toContain(`report: ${file}`);
    const pages = pdfPages(file);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      const header = page.trimStart().split('\n')[0]!;
      expect(header).toContain(`drdrill · drill accidental-delete · run ${journal.runId!} · 2025-10-21 14:01:58 UTC`);
      expect(header).toMatch(new RegExp(`page ${i + 1} of ${pages.length}$`));
    });
    const text = pages.join('\n');
    expect(text).toContain('✔ PASSED');
    expect(text).toMatch(
      /41\.2 s\s+44\.8 s\s+312\s+0\n\s+RTO \(service back\)\s+RTO \(data verified\)\s+RPO \(acknowledged writes lost\)\s+lost before recovery target/,
    );
    expect(text).toContain('Objective RTO < 120 s met (measured 41.2 s).');
    expect(text).toContain(
      'Objective RPO (writes lost before the recovery target) = 0 writes met (measured 0 writes).',
    );
    // The audit record is in the PDF too.
    expect(text).toMatch(/Runbook followed\s+https:\/\/wiki\.example\.com\/runbooks\/postgres-pitr @ v7/);
    expect(text).toMatch(/Operator\s+alice/);
  });

  test('without Chromium, report and run stop before any work with exit 3 and the apt-get line', async () => {
    // The CLI runs with process.execPath, so PATH can hold nothing at all.
    const env = { PATH: tempDir('drdrill-empty-path-'), DRDRILL_CHROMIUM: '' };
    const out = tempDir('drdrill-pdf-');
    const report = await runCli(['report', fixturePath('passed'), '--reporter', 'html,pdf', '--out', out], { env });
    expect(report.code).toBe(EXIT_CODES['missing-prerequisite']);
    expect(report.stderr.trim()).toBe(
      'drdrill: --reporter pdf prints the HTML report with headless Chromium, which is not installed: apt-get install chromium (or set DRDRILL_CHROMIUM to a Chromium or Chrome binary)',
    );
    expect(readdirSync(out)).toEqual([]);
    const run = await runCli(['run', 'smoke', '--reporter', 'pdf', '--out', out], { env });
    expect(run.code).toBe(EXIT_CODES['missing-prerequisite']);
    expect(run.stderr).toContain('apt-get install chromium');
    expect(readdirSync(out)).toEqual([]);
    expect(() => findChromium({ DRDRILL_CHROMIUM: '/nonexistent/chrome', PATH: '/usr/bin' })).toThrow(
      'DRDRILL_CHROMIUM=/nonexistent/chrome is not an executable file; point it at a Chromium or Chrome binary, or unset it and apt-get install chromium',
    );
  });
});
