import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from '../../harness/engine/journal.js';
import type { Reporter } from '../types.js';
import { writeReport } from '../write.js';

export const JOURNAL_FILE = 'journal.json';
export const JSON_INDEX_FILE = 'index.json';
export const JOURNAL_SCHEMA_ID = 'https://drdrill.dev/schema/journal.v1.schema.json';

/**
 * The journal is the JSON report. The engine already writes <drill>/journal.json, so this reporter
 * only writes it when re-rendering elsewhere, and never overwrites the engine's copy.
 */
export const jsonReporter: Reporter = {
  async renderDrill(journal, drillDir) {
    const file = join(drillDir, JOURNAL_FILE);
    if (existsSync(file)) return [];
    return [await writeReport(file, JSON.stringify(journal, null, 2) + '\n')];
  },
  async renderSuite(entries, outDir) {
    const index = {
      journalSchema: JOURNAL_SCHEMA_ID,
      drills: entries.map(({ journal, dir }) => indexEntry(journal, dir)),
    };
    return [await writeReport(join(outDir, JSON_INDEX_FILE), JSON.stringify(index, null, 2) + '\n')];
  },
};

function indexEntry(journal: Journal, dir: string) {
  return {
    drill: journal.drill,
    verdict: journal.verdict,
    ...(journal.reason ? { reason: journal.reason } : {}),
    startedAt: journal.startedAt,
    journal: `${dir}/${JOURNAL_FILE}`,
    rtoSeconds: journal.measurements.rto?.serviceSeconds ?? null,
    lostAckedWrites: journal.measurements.rpo?.lostAckedWrites ?? null,
  };
}
