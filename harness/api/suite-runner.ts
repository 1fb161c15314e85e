import type { Journal, PhaseName, PhaseRecord } from '../engine/journal.js';
import { runDrill as runEngineDrill } from '../engine/run-drill.js';
import type { RunAuditOptions } from '../evidence/audit-record.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { Logger } from '../util/logger.js';

/**
 * The options of harness/engine/run-suite.ts's runSuite(), which runs drills `parallel` at a time. Until it
 * lands, runSuiteSequentially() below stands in with the same signature and runs one drill at a time, which
 * honours "at most `parallel`" too. Replace its one call in run.ts with runSuite() then.
 */
export interface SuiteOptions {
  parallel: number;
  outDir: string;
  keep: boolean;
  signal: AbortSignal;
  logger: Logger;
  audit?: RunAuditOptions;
  onPhase?: (drill: string, phase: PhaseName, state: 'begin' | 'end', record?: PhaseRecord) => void;
  /** Awaited before the next drill starts: reports of one drill are written while the suite goes on. */
  onDrillEnd?: (journal: Journal) => void | Promise<void>;
}

export async function runSuiteSequentially(loaded: LoadedScenario[], opts: SuiteOptions): Promise<Journal[]> {
  const journals: Journal[] = [];
  for (const l of loaded) {
    if (opts.signal.aborted) break;
    const journal = await runEngineDrill(l, {
      outDir: opts.outDir,
      keep: opts.keep,
      signal: opts.signal,
      logger: opts.logger,
      ...(opts.audit ? { audit: opts.audit } : {}),
      ...(opts.onPhase ? { onPhase: opts.onPhase } : {}),
    });
    journals.push(journal);
    await opts.onDrillEnd?.(journal);
  }
  return journals;
}
