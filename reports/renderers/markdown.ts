import { join } from 'node:path';
import type { Journal } from '../../harness/engine/journal.js';
import { renderTemplate } from '../templates.js';
import type { Reporter, SuiteEntry, SuiteLinks } from '../types.js';
import { drillView } from '../view/drill-view.js';
import { suiteView } from '../view/suite-view.js';
import { writeReport } from '../write.js';

export const MARKDOWN_REPORT_FILE = 'report.md';
export const MARKDOWN_INDEX_FILE = 'index.md';

export function renderDrillMarkdown(journal: Journal): string {
  return tidy(renderTemplate('drill.md.hbs', drillView(journal, { charts: false })));
}

export function renderSuiteMarkdown(entries: SuiteEntry[], links: SuiteLinks = {}): string {
  return tidy(renderTemplate('suite.md.hbs', suiteView(entries, links, MARKDOWN_REPORT_FILE)));
}

/** Templates leave blank runs where sections are empty; wikis render them as gaps. */
function tidy(markdown: string): string {
  return markdown.replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

export const markdownReporter: Reporter = {
  async renderDrill(journal, drillDir) {
    return [await writeReport(join(drillDir, MARKDOWN_REPORT_FILE), renderDrillMarkdown(journal))];
  },
  async renderSuite(entries, outDir, links) {
    return [await writeReport(join(outDir, MARKDOWN_INDEX_FILE), renderSuiteMarkdown(entries, links))];
  },
};
