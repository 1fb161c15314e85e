import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Journal } from '../harness/engine/journal.js';
import { validateJournal } from '../harness/testing/journals.js';
import { packageRoot } from '../harness/util/paths.js';
import { loadFixture } from './fixtures/index.js';
import { renderDrillHtml, renderSuiteHtml } from './renderers/html.js';
import { renderDrillMarkdown, renderSuiteMarkdown } from './renderers/markdown.js';

/** A real disk-full-detect journal: DatabaseDiskFull pending 3.47 s before the fault, firing 11.5 s after it. */
const detected = (): Journal =>
  JSON.parse(
    readFileSync(join(packageRoot(), 'reports', 'fixtures', 'passed-disk-full-detect.json'), 'utf8'),
  ) as Journal;

/** x of the dashed fault line in an SVG chart. */
const faultX = (svg: string) =>
  /<line x1="([\d.]+)"[^>]*stroke="#c62828" stroke-width="1.5" stroke-dasharray="4 3"/.exec(svg)?.[1];
const chart = (html: string, id: string) => new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html)![0];

describe('detection in the reports', () => {
  test('the fixture is a journal of the published schema', () => {
    expect(validateJournal(detected()), JSON.stringify(validateJournal.errors)).toBe(true);
  });

  test('the HTML report has a Detection section on the Gantt time axis, and says the for was shortened', () => {
    const html = renderDrillHtml(detected());
    expect(html).toContain('<section id="detection">');
    expect(html).toMatch(
      /id="time-to-detect"><div class="value">11.5 s<\/div><div class="label">time to detect \(DatabaseDiskFull firing\)/,
    );
    const gantt = chart(html, 'gantt-chart');
    const detection = chart(html, 'detection-chart');
    // Same axis: the fault sits at the same x in both charts, and the ticks are the same.
    expect(faultX(detection)).toBeDefined();
    expect(faultX(detection)).toBe(faultX(gantt));
    const tickLabels = (svg: string) =>
      [...svg.matchAll(/text-anchor="middle" fill="#616161">([^<]+)</g)].map((m) => m[1]);
    expect(tickLabels(detection)).toEqual(tickLabels(gantt));
    expect(detection).toContain('pending before fault');
    expect(detection).toContain('pending → firing');
    expect(html).toContain(
      'The drill shortened the rule&#x27;s for from 1h to 15s: with the rule as written, the alert would fire 59 min 57 s after the fault.',
    );
    expect(html).toMatch(/data-field="pending"><th>Pending<\/th><td>2026-11-26 02:10:14 UTC — 3.47 s before the fault/);
    expect(html).toMatch(/data-field="firing"><th>Firing<\/th><td>2026-11-26 02:10:29 UTC — 11.5 s after the fault/);
    expect(html).toContain('href="artifacts/prometheus-alerts-series.json"');
    expect(html).toContain(
      'The alert DatabaseDiskFull was pending 3.47 s before the fault and firing 11.5 s after the fault.',
    );
  });

  test('an alert that never fired shows as such, in words and on the chart', () => {
    const j = detected();
    const d = j.measurements.detection!;
    delete d.pendingAt;
    delete d.pendingSeconds;
    delete d.firingAt;
    delete d.firingSeconds;
    delete d.projectedFiringSeconds;
    const html = renderDrillHtml(j);
    expect(chart(html, 'detection-chart')).toContain('not firing');
    expect(html).toContain('The alert DatabaseDiskFull never became pending, so it did not fire within 2m.');
    expect(renderSuiteHtml([{ journal: j, dir: 'd' }])).toContain('DatabaseDiskFull not fired within 2m');
  });

  test('Markdown has the Detection section and the RPO exposure of an archive outage', () => {
    const j = detected();
    j.measurements.rpoExposure = {
      samples: [
        {
          at: '2026-11-26T02:10:19Z',
          t: 1,
          unarchivedWrites: 120,
          oldestSeconds: 2.5,
          readySegments: 0,
          lastArchivedWal: '000000010000000000000004',
          failedCount: 1,
        },
        {
          at: '2026-11-26T02:10:29Z',
          t: 11,
          unarchivedWrites: 1120,
          oldestSeconds: 12.5,
          readySegments: 2,
          lastArchivedWal: '000000010000000000000004',
          failedCount: 5,
        },
      ],
      maxUnarchivedWrites: 1120,
      maxOldestSeconds: 12.5,
    };
    const md = renderDrillMarkdown(j);
    expect(md).toContain('## Detection');
    expect(md).toContain('| Firing | 2026-11-26 02:10:29 UTC — 11.5 s after the fault |');
    expect(md).toContain(
      'At most 1,120 acknowledged writes existed only on the primary; the oldest had waited 12.5 s.',
    );
    expect(renderDrillHtml(j)).toContain('<table id="exposure-samples">');
  });

  test('the suite index shows time to detect beside RTO and RPO', () => {
    const entries = [detected(), loadFixture('passed')].map((journal) => ({ journal, dir: journal.drill }));
    const html = renderSuiteHtml(entries);
    expect(html).toContain('<th>Time to detect</th><th>RTO</th><th>Acked writes lost</th>');
    expect(html).toContain('<td class="num" data-field="detect">11.5 s (DatabaseDiskFull, for 15s instead of 1h)</td>');
    expect(html).toContain('<td class="num" data-field="detect">—</td>');
    const md = renderSuiteMarkdown(entries);
    expect(md).toContain('| Drill | Verdict | Time to detect | RTO |');
    expect(md).toContain('| 11.5 s (DatabaseDiskFull, for 15s instead of 1h) | 13.7 s | 0 |');
  });
});
