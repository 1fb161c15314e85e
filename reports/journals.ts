import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DrillError, errorMessage } from '../harness/engine/errors.js';
import { JOURNAL_SCHEMA_VERSION, type Journal } from '../harness/engine/journal.js';

const REQUIRED = [
  'schemaVersion',
  'drill',
  'verdict',
  'startedAt',
  'phases',
  'measurements',
  'objectives',
  'checks',
] as const;

/** Parses a journal, with a message naming the file and the first thing wrong. */
export function parseJournal(text: string, source: string): Journal {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DrillError('invalid-config', `${source}: not valid JSON (${errorMessage(err)})`);
  }
  const record = value as Record<string, unknown>;
  const missing = REQUIRED.find((k) => typeof record !== 'object' || record === null || !(k in record));
  if (missing) throw new DrillError('invalid-config', `${source}: not a drdrill journal (no "${missing}")`);
  if (typeof record.schemaVersion !== 'number' || record.schemaVersion > JOURNAL_SCHEMA_VERSION)
    throw new DrillError(
      'invalid-config',
      `${source}: journal schemaVersion ${String(record.schemaVersion)} is newer than this drdrill reads (${JOURNAL_SCHEMA_VERSION}); upgrade drdrill`,
    );
  return value as Journal;
}

export async function readJournalFile(file: string): Promise<Journal> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DrillError(
      'invalid-config',
      `${file}: cannot read journal (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
    );
  }
  return parseJournal(text, file);
}

/** Every journal.json under dir, depth first, sorted by path. */
export async function findJournalFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findJournalFiles(full)));
    else if (entry.name === 'journal.json' || entry.name.endsWith('.journal.json')) out.push(full);
  }
  return out.sort();
}

/** The same drill run read twice (from the arguments, a bundle and the history) counts once. */
export function uniqueRuns(journals: Journal[]): Journal[] {
  const seen = new Map<string, Journal>();
  for (const j of journals) seen.set(`${j.drill}@${j.startedAt}`, j);
  return [...seen.values()];
}
