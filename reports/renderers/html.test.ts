import { describe, expect, test } from 'vitest';
import { FIXTURES, loadFixture, type FixtureName } from '../fixtures/index.js';
import { renderDrillHtml } from './html.js';

const names = Object.keys(FIXTURES) as FixtureName[];

describe('HTML report (static)', () => {
  test.each(names)('%s journal: self-contained, with verdict, summary, checks, environment and backups', (name) => {
    const journal = loadFixture(name);
    const html = renderDrillHtml(journal);
    expect(html).not.toMatch(/<script|<iframe|<img|@import|url\(/i);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//i);
    expect(html).toContain(`data-verdict="${journal.verdict}"`);
    expect(html).toContain('<svg id="gantt-chart"');
    expect(html).toContain('<svg id="ledger-chart"');
    for (const c of journal.checks) expect(html).toContain(escape(c.name));
    for (const b of journal.backups) {
      expect(html).toContain(b.id);
      if (b.sha256) expect(html).toContain(b.sha256);
    }
    if (journal.environment) expect(html).toContain(escape(journal.environment.postgres.version));
    if (journal.reason) expect(html).toContain(escape(journal.reason));
  });

  test('journal text is escaped, never interpreted as markup', () => {
    const journal = loadFixture('failed');
    journal.checks[2]!.message = '<script>alert(1)</script>';
    journal.checks[2]!.evidence.output = '</pre><img src=x onerror=alert(1)>';
    const html = renderDrillHtml(journal);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('failed evidence shows the exact tool output', () => {
    const html = renderDrillHtml(loadFixture('error'));
    expect(html).toContain(escape('ERROR:  invalid page in block 3 of relation base/16384/16421'));
    expect(html).toContain(escape('pg_restore: error: could not read from input file: end of file'));
  });
});

function escape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
    .replace(/=/g, '&#x3D;')
    .replace(/`/g, '&#x60;');
}
