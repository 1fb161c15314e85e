import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../harness/engine/journal.js';

// Placeholder until the reports issue lands: only the JSON reporter.
export const REPORTER_NAMES = ['json'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export async function renderDrillReports(journal: Journal, drillDir: string, reporters: string[]): Promise<string[]> {
  const written: string[] = [];
  if (reporters.includes('json')) {
    await mkdir(drillDir, { recursive: true });
    const file = join(drillDir, 'journal.json');
    await writeFile(file, JSON.stringify(journal, null, 2) + '\n');
    written.push(file);
  }
  return written;
}

export async function renderSuiteReports(_journals: Journal[], _outDir: string, _reporters: string[]): Promise<string[]> {
  return [];
}
