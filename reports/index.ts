import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DrillError, errorMessage } from '../harness/engine/errors.js';
import type { Journal } from '../harness/engine/journal.js';
import { htmlReporter } from './renderers/html.js';
import { jsonReporter } from './renderers/json.js';
import { junitReporter } from './renderers/junit.js';
import { markdownReporter } from './renderers/markdown.js';
import { pdfReporter } from './renderers/pdf.js';
import { REPORTER_NAMES, type Reporter, type ReporterName, type SuiteEntry, type SuiteLinks } from './types.js';

export { REPORTER_NAMES, type Reporter, type ReporterName, type SuiteEntry, type SuiteLinks } from './types.js';

/** Every built-in format, one module each. A name that is not here is loaded as a module path. */
export const REPORTERS: { [K in ReporterName]: Reporter } = {
  html: htmlReporter,
  md: markdownReporter,
  junit: junitReporter,
  json: jsonReporter,
  pdf: pdfReporter,
};

export const DEFAULT_REPORTERS: ReporterName[] = ['html', 'json'];

/** Splits "html, md,junit" and rejects unknown built-in names before any drill starts. */
export function parseReporterList(list: string): string[] {
  const names = list
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isBuiltIn(name) && !looksLikeModule(name))
      throw new DrillError(
        'invalid-config',
        `--reporter: unknown reporter "${name}"; expected ${REPORTER_NAMES.join(', ')} or a path to a reporter module`,
      );
  }
  return names;
}

/** Asks each named format whether it can be written on this machine (e.g. pdf needs Chromium). */
export async function checkReporterPrerequisites(reporters: string[]): Promise<void> {
  for (const reporter of await resolveReporters(reporters)) await reporter.checkPrerequisites?.();
}

export async function renderDrillReports(journal: Journal, drillDir: string, reporters: string[]): Promise<string[]> {
  const written: string[] = [];
  for (const reporter of await resolveReporters(reporters))
    if (reporter.renderDrill) written.push(...(await reporter.renderDrill(journal, drillDir)));
  return written;
}

/** Suite-level files in outDir; each journal's reports are expected in outDir/<drill>/ unless entries say otherwise. */
export async function renderSuiteReports(
  journals: Journal[],
  outDir: string,
  reporters: string[],
  opts: { entries?: SuiteEntry[]; links?: SuiteLinks } = {},
): Promise<string[]> {
  const entries = opts.entries ?? journals.map((journal) => ({ journal, dir: journal.drill }));
  const written: string[] = [];
  for (const reporter of await resolveReporters(reporters))
    if (reporter.renderSuite) written.push(...(await reporter.renderSuite(entries, outDir, opts.links ?? {})));
  return written;
}

async function resolveReporters(names: string[]): Promise<Reporter[]> {
  const out: Reporter[] = [];
  for (const name of names) out.push(isBuiltIn(name) ? REPORTERS[name] : await loadReporterModule(name));
  return out;
}

function isBuiltIn(name: string): name is ReporterName {
  return (REPORTER_NAMES as readonly string[]).includes(name);
}

function looksLikeModule(name: string): boolean {
  return /\.(m?js|cjs)$/.test(name) || name.startsWith('.') || isAbsolute(name);
}

async function loadReporterModule(name: string): Promise<Reporter> {
  if (!looksLikeModule(name))
    throw new DrillError(
      'invalid-config',
      `unknown reporter "${name}"; expected ${REPORTER_NAMES.join(', ')} or a path to a reporter module`,
    );
  let mod: { default?: Reporter };
  try {
    mod = (await import(pathToFileURL(resolve(name)).href)) as { default?: Reporter };
  } catch (err) {
    throw new DrillError('invalid-config', `reporter module ${name} could not be loaded: ${errorMessage(err)}`);
  }
  if (!mod.default || (typeof mod.default.renderDrill !== 'function' && typeof mod.default.renderSuite !== 'function'))
    throw new DrillError(
      'invalid-config',
      `reporter module ${name} must export default { renderDrill?, renderSuite? }`,
    );
  return mod.default;
}
