import { join, resolve } from 'node:path';
import {
  checkReporterPrerequisites,
  parseReporterList,
  renderDrillReports,
  renderSuiteReports,
  type ReporterName,
  type SuiteEntry,
  type SuiteLinks,
} from '../../reports/index.js';
import type { Journal } from '../engine/journal.js';

/** A built-in format, or the path of a reporter module (`export default { renderDrill?, renderSuite? }`). */
export type ReportFormat = ReporterName | (string & {});

export const DEFAULT_FORMATS: ReportFormat[] = ['html', 'json'];

export interface RenderReportsOptions {
  /** Default html, json. */
  formats?: ReportFormat[];
  /** Output directory: <out>/<drill>/report.html ..., and the suite's <out>/index.html. Default "drdrill-report". */
  out?: string;
  /** Extra suite pages the index links to (drdrill report --drp, --trends). */
  links?: SuiteLinks;
}

/**
 * Renders journals (of this run or old ones) into reports: each drill's files in its own directory, then the
 * suite files. Returns the paths written. Unknown formats are rejected before anything is written.
 */
export async function renderReports(journals: Journal[], opts: RenderReportsOptions = {}): Promise<string[]> {
  const formats = checkFormats(opts.formats ?? DEFAULT_FORMATS);
  await checkReporterPrerequisites(formats);
  const out = resolve(opts.out ?? 'drdrill-report');
  const entries = drillDirs(journals);
  const written: string[] = [];
  for (const e of entries) written.push(...(await renderDrillReports(e.journal, join(out, e.dir), formats)));
  if (entries.length)
    written.push(...(await renderSuiteReports(journals, out, formats, { entries, links: opts.links ?? {} })));
  return written;
}

/** Rejects unknown built-in names (a DrillError, invalid-config) before any drill starts. */
export function checkFormats(formats: ReportFormat[]): string[] {
  return parseReporterList(formats.join(','));
}

/** One directory per journal: the drill's name, suffixed with its start time when a drill appears twice. */
export function drillDirs(journals: Journal[]): SuiteEntry[] {
  const counts = new Map<string, number>();
  for (const j of journals) counts.set(j.drill, (counts.get(j.drill) ?? 0) + 1);
  return journals.map((journal) => ({
    journal,
    dir:
      counts.get(journal.drill)! > 1
        ? `${journal.drill}-${journal.startedAt.replace(/[:.]/g, '').slice(0, 15)}`
        : journal.drill,
  }));
}
