import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Journal } from '../harness/engine/journal.js';
import { scenarioDocumentSchema } from '../harness/scenario/kinds.js';
import { validateJournal } from '../harness/testing/journals.js';
import { packageRoot } from '../harness/util/paths.js';
import { renderDrillHtml } from './renderers/html.js';
import { renderJUnit } from './renderers/junit.js';
import { renderDrillMarkdown } from './renderers/markdown.js';

/** A journal a real restore test wrote (a pg_dump from a bucket, restored, verified). */
const journal = JSON.parse(
  readFileSync(join(packageRoot(), 'reports', 'fixtures', 'passed-restore-test.json'), 'utf8'),
) as Journal;

describe('reports of a restore test', () => {
  test('the journal conforms to the published schema, its scenario to the RestoreTest schema', () => {
    expect(validateJournal(journal)).toBe(true);
    expect(scenarioDocumentSchema.safeParse(journal.scenario.parsed).success).toBe(true);
  });

  test('Markdown says what was restored, from where, how old it was and how long each step took', () => {
    const md = renderDrillMarkdown(journal);
    expect(md.split('\n')[0]).toBe('# ✔ Restore test `restore-test-dump`: PASSED');
    expect(md).toContain(
      'The dump backup app-20261126-020000.dump (completed 2026-11-26 02:00:00 UTC, 1 h 21 min old when the test started',
    );
    expect(md).toMatch(/It was restored into a scratch native instance and verified in [\d.]+ s: list [\d.]+ s, fetch/);
    expect(md).toContain('| backup age | 1 h 21 min |');
    expect(md).toContain('| restore time (`restore.seconds < 30m`) | < 30 min |');
    expect(md).not.toContain('fault:');
    for (const phase of ['list', 'fetch', 'integrity', 'restore', 'verify'])
      expect(md).toContain(`| ${phase} | ✔ passed |`);
  });

  test('HTML names the kind and shows the restore figures; JUnit has a case per check and objective', () => {
    const html = renderDrillHtml(journal);
    expect(html).toContain('<h1>Restore test: restore-test-dump</h1>');
    expect(html).toContain('id="restore-seconds"');
    expect(html).toContain('id="backup-age"');
    const xml = renderJUnit([journal]);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(journal.checks.length + journal.objectives.length);
    expect(xml).toContain('restore time');
  });
});
