import type { CheckRecord } from '../engine/journal.js';
import { damageName, type Damage } from '../faults/types.js';
import type { VerifyStep } from '../scenario/schema.js';
import { assertionTables, compareTables } from './user-check-specs.js';

/**
 * The rule that makes a verdict truthful: after recovery, every object a fault damaged must be covered by a
 * data check of the verify phase. A damaged table needs its row counts or fingerprint (or an assertion that
 * names it); a damaged cluster or volume needs the ledger check plus row counts of every table.
 */

/** What a verify step checks, as far as the scenario alone tells: table names, "*" (every table), "ledger". */
export function stepCovers(step: VerifyStep): string[] {
  if ('rowCounts' in step) return ['*'];
  if ('fingerprint' in step) return step.fingerprint;
  if ('ledger' in step) return ['ledger'];
  if ('archive' in step) return ['archive'];
  if ('sql' in step) return assertionTables(step);
  if ('compareWith' in step) return compareTables(step).map((t) => t.table);
  return [];
}

/** What proves a table's content (not only its row count) back: a fingerprint or a SQL check naming it. */
function contentCovers(step: VerifyStep): string[] {
  if ('fingerprint' in step) return step.fingerprint;
  if ('sql' in step) return assertionTables(step);
  return [];
}

function howToCover(d: Damage): string {
  if (d.kind === 'archive') return 'add { archive: complete } to verify';
  if (d.kind === 'table' && d.content)
    return `add { fingerprint: [${d.name}] } (row counts do not show changed rows) to verify`;
  return d.kind === 'table'
    ? `add { rowCounts: baseline } or { fingerprint: [${d.name}] } to verify`
    : 'add { ledger: complete } (or until-target) and { rowCounts: baseline } to verify';
}

/**
 * Whether what is covered proves a damaged object back. `content` (tables whose content a step checks) is
 * known from the scenario only; after the run, the checks' own `covers` say what they proved.
 */
function covers(d: Damage, covered: Set<string>, allTables: boolean, content?: Set<string>): boolean {
  if (d.kind === 'table' && d.content && content) return content.has(d.name);
  if (d.kind === 'table') return covered.has('*') || covered.has(d.name);
  if (d.kind === 'archive') return covered.has('archive');
  return covered.has('ledger') && allTables;
}

/**
 * Problems a scenario can never get past, for validation: damage no verify step could cover. `tables` are
 * the dataset's tables when known before the run (the shop fixture's), for fingerprints of every table.
 */
export function uncoverableDamage(damage: Damage[], verify: VerifyStep[], tables: readonly string[]): string[] {
  const covered = new Set(verify.flatMap(stepCovers));
  const all = covered.has('*') || (tables.length > 0 && tables.every((t) => covered.has(t)));
  const content = new Set(verify.flatMap(contentCovers));
  return damage
    .filter((d) => !covers(d, covered, all, content))
    .map((d) => `must check ${describe(d)}, which the fault damages: ${howToCover(d)}`);
}

/** After the run: damaged objects that no data check of the verify phase covered. */
export function uncoveredDamage(damage: Damage[], checks: readonly CheckRecord[], tables: readonly string[]): string[] {
  const covered = new Set(checks.filter((c) => c.phase === 'verify').flatMap((c) => c.covers ?? []));
  const all = tables.every((t) => covered.has(t));
  return damage
    .filter((d) => !covers(d, covered, all))
    .map((d) => `nothing verified that ${describe(d)} came back: ${howToCover(d)}`);
}

function describe(d: Damage): string {
  if (d.kind === 'table') return `table ${d.name}`;
  if (d.kind === 'archive') return 'the WAL archive (archive:wal)';
  return d.kind === 'cluster' ? `the whole cluster (${d.name})` : `the ${d.name} volume (${damageName(d)})`;
}
