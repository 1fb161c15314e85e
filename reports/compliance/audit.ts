import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DrillError } from '../../harness/engine/errors.js';
import type { Journal } from '../../harness/engine/journal.js';
import { MANIFEST_FILE } from '../../harness/evidence/manifest.js';
import { verifyBundle } from '../../harness/evidence/verify.js';
import { findJournalFiles, readJournalFile } from '../journals.js';
import { loadControlMap, type ControlMap, type Framework } from './control-map.js';
import { resolveItem, type DrillRecord, type EvidenceContext, type ItemResult, type ItemStatus } from './evidence.js';

export interface ControlResult {
  id: string;
  title: string;
  /** The worst of its items. */
  status: ItemStatus;
  items: ItemResult[];
}

export interface FrameworkAudit {
  framework: Framework;
  title: string;
  asOf: string;
  drills: string[];
  controls: ControlResult[];
  /** Items no control of any framework requires, shown because they make the record trustworthy. */
  supporting: ItemResult[];
}

const RANK: Record<ItemStatus, number> = { satisfied: 0, gap: 1, missing: 2 };

/** Every control of the framework with the evidence items mapped to it, found in the drill records. */
export function auditFramework(
  framework: Framework,
  ctx: EvidenceContext,
  map: ControlMap = loadControlMap(),
): FrameworkAudit {
  const results = new Map(map.evidence.map((item) => [item.id, resolveItem(item, ctx)]));
  const controls = map.frameworks[framework].controls.map((control): ControlResult => {
    const items = map.evidence
      .filter((e) => e.controls[framework]?.includes(control.id))
      .map((e) => results.get(e.id)!);
    const status = items.reduce<ItemStatus>(
      (worst, i) => (RANK[i.status] > RANK[worst] ? i.status : worst),
      'satisfied',
    );
    return { id: control.id, title: control.title, status, items };
  });
  return {
    framework,
    title: map.frameworks[framework].title,
    asOf: ctx.asOf.toISOString(),
    drills: ctx.drills.map((d) => d.journal.drill),
    controls,
    supporting: map.evidence
      .filter((e) => !Object.values(e.controls).some((c) => c?.length))
      .map((e) => results.get(e.id)!),
  };
}

/** Every evidence item once, with the controls of each framework it serves: the compliance page's table. */
export function auditAllItems(ctx: EvidenceContext, map: ControlMap = loadControlMap()): ItemResult[] {
  return map.evidence.map((item) => resolveItem(item, ctx));
}

/** Items that have no evidence at all, among those the framework's controls need. */
export function missingItems(audit: FrameworkAudit): ItemResult[] {
  const seen = new Set<string>();
  return audit.controls
    .flatMap((c) => c.items)
    .filter((i) => i.status === 'missing' && !seen.has(i.item.id) && seen.add(i.item.id));
}

/**
 * The drill records under a results directory: the latest run of each drill, with links relative to the
 * directory. A drill's evidence bundle (a directory with manifest.json holding a copy of its journal) is
 * preferred to the plain results, and verified; all runs are returned too, for cadence.
 */
export async function gatherDrillRecords(
  dir: string,
  opts: { keyEnv?: string; linkFrom?: string } = {},
): Promise<{ drills: DrillRecord[]; journals: Journal[] }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DrillError('invalid-config', `${dir}: no such results directory`);
  const runs = new Map<string, DrillRecord>();
  for (const file of await findJournalFiles(dir)) {
    const journal = await readJournalFile(file);
    const home = dirname(file);
    // Links are relative to where the audit page is written (the results directory unless --out says otherwise).
    const rel = relative(opts.linkFrom ?? dir, home)
      .split(sep)
      .join('/');
    const at = (name: string) => (rel ? `${rel}/${name}` : name);
    const isBundle = existsSync(join(home, MANIFEST_FILE));
    const record: DrillRecord = {
      journal,
      journalPath: at(relative(home, file)),
      ...(existsSync(join(home, 'report.html')) ? { report: at('report.html') } : {}),
    };
    if (isBundle) {
      const v = await verifyBundle(home, opts.keyEnv ? { keyEnv: opts.keyEnv } : {});
      record.bundle = { dir: rel || '.', ok: v.ok, problems: v.problems, files: v.files, signature: v.signature };
    }
    const key = `${journal.drill}@${journal.startedAt}`;
    const seen = runs.get(key);
    // The bundle's copy is the signed record; the results copy only lends its links when the bundle has none.
    if (!seen) runs.set(key, record);
    else if (record.bundle && !seen.bundle) runs.set(key, { ...record, report: record.report ?? seen.report });
    else if (seen.bundle && !record.bundle && !seen.report && record.report) seen.report = record.report;
  }
  const all = [...runs.values()];
  const latest = new Map<string, DrillRecord>();
  for (const r of all) {
    const prev = latest.get(r.journal.drill);
    if (!prev || prev.journal.startedAt < r.journal.startedAt) latest.set(r.journal.drill, r);
  }
  return {
    drills: [...latest.values()].sort((a, b) => a.journal.drill.localeCompare(b.journal.drill)),
    journals: all.map((r) => r.journal),
  };
}
