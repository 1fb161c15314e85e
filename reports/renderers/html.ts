import { join } from 'node:path';
import type { Journal } from '../../harness/engine/journal.js';
import { renderTemplate } from '../templates.js';
import type { Reporter, SuiteEntry, SuiteLinks } from '../types.js';
import { drillView } from '../view/drill-view.js';
import { suiteView } from '../view/suite-view.js';
import { writeReport } from '../write.js';

export const HTML_REPORT_FILE = 'report.html';
export const HTML_INDEX_FILE = 'index.html';

/** One self-contained page: inline CSS and SVG, a CSP that forbids any request. */
export function renderDrillHtml(journal: Journal): string {
  return renderTemplate('drill.html.hbs', drillView(journal, { charts: true }));
}

export function renderSuiteHtml(entries: SuiteEntry[], links: SuiteLinks = {}): string {
  return renderTemplate('suite.html.hbs', suiteView(entries, links, HTML_REPORT_FILE, { charts: true }));
}

export const htmlReporter: Reporter = {
  async renderDrill(journal, drillDir) {
    return [await writeReport(join(drillDir, HTML_REPORT_FILE), renderDrillHtml(journal))];
  },
  async renderSuite(entries, outDir, links) {
    return [await writeReport(join(outDir, HTML_INDEX_FILE), renderSuiteHtml(entries, links))];
  },
};
