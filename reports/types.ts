import type { Journal } from '../harness/engine/journal.js';

export const REPORTER_NAMES = ['html', 'md', 'junit', 'json', 'pdf'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** One output format. Both hooks are optional: a format may have no per-drill or no suite-level file. */
export interface Reporter {
  /** Throws a DrillError (missing-prerequisite) before any drill starts when the format cannot be written here. */
  checkPrerequisites?(): void | Promise<void>;
  /** Writes the drill's report files into drillDir and returns their paths. */
  renderDrill?(journal: Journal, drillDir: string): Promise<string[]>;
  /** Writes suite-level files (index, aggregate XML) into outDir and returns their paths. */
  renderSuite?(journals: SuiteEntry[], outDir: string, links: SuiteLinks): Promise<string[]>;
}

export interface SuiteEntry {
  journal: Journal;
  /** The drill's directory relative to the suite's outDir, for links. */
  dir: string;
}

/** Extra suite pages (compliance, trends) the index links to when they exist. */
export interface SuiteLinks {
  compliance?: string;
  trends?: string;
}
