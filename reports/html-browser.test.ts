import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { packageRoot } from '../harness/util/paths.js';
import { FIXTURES, loadFixture, type FixtureName } from './fixtures/index.js';
import { renderDrillReports, renderSuiteReports } from './index.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const out = mkdtempSync(join(tmpdir(), 'drdrill-html-'));
let browser: Browser | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

/** Opens a rendered file and records every request, console error and page error. */
async function open(file: string) {
  const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, consoleErrors };
}

describe('HTML report in headless Chromium', () => {
  test.for(Object.keys(FIXTURES) as FixtureName[])(
    '%s journal: no request, no console error, verdict, figures and charts present',
    async (name, ctx) => {
      if (!hasChromium)
        ctx.skip(`${CHROMIUM} is absent: install it with "apt-get install chromium" to run the browser test`);
      const journal = loadFixture(name);
      const dir = join(out, journal.drill);
      await renderDrillReports(journal, dir, ['html']);
      const { page, requests, consoleErrors } = await open(join(dir, 'report.html'));

      expect(requests).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(await page.getAttribute('#verdict', 'data-verdict')).toBe(journal.verdict);
      const banner = await page.textContent('#verdict');
      expect(banner).toContain(journal.verdict === 'passed' ? 'PASSED' : journal.verdict.toUpperCase());
      if (journal.reason) expect(banner).toContain(journal.reason);

      const rto = journal.measurements.rto?.serviceSeconds;
      const rtoText = (await page.textContent('#rto-service .value'))!.trim();
      if (rto === undefined) expect(rtoText).toBe('—');
      else {
        expect(rtoText).toMatch(/^[\d.]+ s$/);
        expect(Math.abs(parseFloat(rtoText) - rto)).toBeLessThan(0.051);
      }
      const lost = journal.measurements.rpo?.lostAckedWrites;
      expect((await page.textContent('#rpo-lost .value'))!.trim()).toBe(lost === undefined ? '—' : String(lost));

      const drawnPhases =
        journal.phases.filter((p) => p.status !== 'skipped').length + (journal.measurements.rto?.phases?.length ?? 0);
      expect(await page.locator('#gantt-chart rect.bar').count()).toBe(drawnPhases);
      const gantt = await page.locator('#gantt-chart').boundingBox();
      expect(gantt!.width).toBeGreaterThan(500);
      expect(gantt!.height).toBeGreaterThan(100);
      const ledger = await page.locator('#ledger-chart').boundingBox();
      expect(ledger!.height).toBeGreaterThan(journal.measurements.ledger?.perSecond.length ? 150 : 20);
      expect(await page.locator('#ledger-chart polyline.writes').count()).toBe(
        journal.measurements.ledger?.perSecond.length ? 1 : 0,
      );
      expect(await page.locator('#ledger-chart .marker-fault').count()).toBe(
        journal.events.filter((e) => e.kind === 'fault').length,
      );
      expect(await page.locator('#lost-writes').count()).toBe(journal.measurements.rpo?.lostAckedWrites ? 1 : 0);
      expect(await page.locator('#checks .check').count()).toBe(journal.checks.length);

      if (name === 'passed' && process.env.DRDRILL_UPDATE_SCREENSHOT) {
        // The top of the page: verdict, summary, objectives and both charts.
        const end = await page.locator('#ledger-chart').boundingBox();
        await page.screenshot({
          path: join(packageRoot(), 'docs', 'report-screenshot.png'),
          fullPage: true,
          clip: { x: 0, y: 0, width: 1100, height: end!.y + end!.height + 60 },
        });
      }
      await page.close();
    },
  );

  test('suite index links every drill and makes no request', async (ctx) => {
    if (!hasChromium)
      ctx.skip(`${CHROMIUM} is absent: install it with "apt-get install chromium" to run the browser test`);
    const journals = (Object.keys(FIXTURES) as FixtureName[]).map(loadFixture);
    await renderSuiteReports(journals, out, ['html']);
    const { page, requests, consoleErrors } = await open(join(out, 'index.html'));
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.locator('#drills tbody tr').count()).toBe(4);
    expect(
      await page
        .locator('#drills a')
        .evaluateAll((as: { getAttribute(name: string): string | null }[]) => as.map((a) => a.getAttribute('href'))),
    ).toEqual(journals.map((j) => `${j.drill}/report.html`));
    expect(await page.textContent('#verdict')).toContain('3 OF 4 DRILLS DID NOT PASS');
    await page.close();
  });
});
