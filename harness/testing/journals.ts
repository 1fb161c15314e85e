import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Journal } from '../engine/journal.js';
import { packageRoot } from '../util/paths.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);

/** The published journal JSON Schema (reports/schema/journal.v1.schema.json), compiled once. */
export const validateJournal = ajv.compile<Journal>(
  JSON.parse(readFileSync(join(packageRoot(), 'reports', 'schema', 'journal.v1.schema.json'), 'utf8')) as object,
);

/** Reads the journal a real drill wrote, and fails unless it conforms to the published schema. */
export function journalOf(outDir: string, drill: string): Journal {
  const journal: unknown = JSON.parse(readFileSync(join(outDir, drill, 'journal.json'), 'utf8'));
  if (!validateJournal(journal))
    throw new Error(
      `${drill}/journal.json does not conform to the journal schema: ${ajv.errorsText(validateJournal.errors)}`,
    );
  return journal;
}

/** A shipped scenario's text with a few lines changed, so tests run what users run, only smaller or sharper. */
export function variant(file: string, edits: [RegExp | string, string][]): string {
  let text = readFileSync(join(packageRoot(), 'scenarios', file), 'utf8');
  for (const [from, to] of edits) {
    if (typeof from === 'string' ? !text.includes(from) : !from.test(text))
      throw new Error(`variant of ${file}: ${String(from)} matched nothing`);
    text = text.replace(from, to);
  }
  return text;
}
