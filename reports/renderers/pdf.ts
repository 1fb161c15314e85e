import { join } from 'node:path';
import type { Journal } from '../../harness/engine/journal.js';
import { formatDateTime } from '../format.js';
import { findChromium } from '../pdf/chromium.js';
import { printPdf } from '../pdf/print.js';
import type { Reporter } from '../types.js';
import { renderDrillHtml } from './html.js';

export const PDF_REPORT_FILE = 'report.pdf';

/** The header of every page: which drill, which run, when. */
export function pdfTitle(journal: Journal): string {
  return `drdrill · drill ${journal.drill} · run ${journal.runId ?? '(no run id recorded)'} · ${formatDateTime(journal.startedAt)}`;
}

/** The HTML report printed by headless Chromium, for auditors who file PDFs. */
export const pdfReporter: Reporter = {
  checkPrerequisites() {
    findChromium();
  },
  async renderDrill(journal, drillDir) {
    const file = join(drillDir, PDF_REPORT_FILE);
    return [await printPdf(renderDrillHtml(journal), file, { title: pdfTitle(journal) })];
  },
};
