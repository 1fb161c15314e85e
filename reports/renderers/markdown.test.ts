import { describe, expect, test } from 'vitest';
import { FIXTURES, loadFixture, type FixtureName } from '../fixtures/index.js';
import { renderDrillMarkdown, renderSuiteMarkdown } from './markdown.js';

const names = Object.keys(FIXTURES) as FixtureName[];

/** Cells of a Markdown table row, honouring escaped pipes. */
function cells(row: string): string[] {
  return row
    .replace(/\\\|/g, '\u0000')
    .split('|')
    .slice(1, -1)
    .map((c) => c.replaceAll(String.fromCharCode(0), '|').trim());
}

function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) (current ??= (out.push([]), out.at(-1)!)).push(line);
    else current = undefined;
  }
  return out;
}

describe('Markdown report', () => {
  test.each(names)(
    '%s journal: verdict, reason, objectives and checks are there; every table row is well-formed',
    (name) => {
      const journal = loadFixture(name);
      const md = renderDrillMarkdown(journal);
      expect(md.split('\n')[0]).toContain(journal.drill);
      expect(md.split('\n')[0]).toContain(journal.verdict === 'timedout' ? 'TIMED OUT' : journal.verdict.toUpperCase());
      if (journal.reason) expect(md).toContain(journal.reason);
      for (const check of journal.checks) expect(md).toContain(`${check.status}: ${check.name}`);
      for (const o of journal.objectives) expect(md).toContain(o.source);
      for (const table of tables(md)) {
        const width = cells(table[0]!).length;
        expect(table[1]).toMatch(/^\|(---\|)+$/);
        for (const row of table) expect(cells(row), row).toHaveLength(width);
      }
      const phaseTable = tables(md).find((t) => t[0]!.startsWith('| Phase'))!;
      expect(phaseTable.length - 2).toBe(journal.phases.length);
    },
  );

  test('a pipe or newline in a value does not break its table', () => {
    const journal = loadFixture('error');
    journal.phases.find((p) => p.name === 'recover')!.error = 'pg_restore | head\nexit 1';
    const md = renderDrillMarkdown(journal);
    const row = md.split('\n').find((l) => l.startsWith('| recover'))!;
    expect(cells(row)).toEqual(['recover', '⚠ error', '4.22 s', 'pg_restore | head<br>exit 1']);
  });

  test('suite index lists each drill with a link to its report', () => {
    const journals = names.map(loadFixture);
    const md = renderSuiteMarkdown(journals.map((journal) => ({ journal, dir: journal.drill })));
    for (const j of journals) expect(md).toContain(`[${j.drill}](${j.drill}/report.md)`);
    expect(md).toContain('1 passed, 1 failed, 1 error, 1 interrupted');
  });
});
