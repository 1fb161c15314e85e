import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { redact } from '../../harness/util/logger.js';
import { launchChromium } from './chromium.js';

export interface PdfHeader {
  /** Left of every page header, e.g. "drill accidental-delete · run accidental-delete-m1x2-a1b2c3". */
  title: string;
}

/** Prints self-contained HTML to an A4 PDF with a header on every page: the title and "page N of M". */
export async function printPdf(html: string, file: string, header: PdfHeader): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent(redact(html), { waitUntil: 'load' });
    // Collapsed sections (scenario source, backup objects) are part of the record: print them open.
    await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
    await page.pdf({
      path: file,
      format: 'A4',
      // The pages are laid out for a screen about 1000 px wide; three quarters of that fits A4 with its tables.
      scale: 0.75,
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(redact(header.title)),
      footerTemplate: '<div></div>',
      margin: { top: '16mm', bottom: '12mm', left: '10mm', right: '10mm' },
    });
    return file;
  } finally {
    await browser.close();
  }
}

// Chromium renders the header in its own tiny document: inline styles only, and it fills pageNumber/totalPages.
function headerTemplate(title: string): string {
  return (
    '<div style="font: 8px system-ui, sans-serif; color: #555; width: 100%; margin: 0 10mm; display: flex; justify-content: space-between;">' +
    `<span>${escapeHtml(title)}</span>` +
    '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
  );
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
