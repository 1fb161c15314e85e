import type { DrillContext } from '../engine/context.js';
import type { VerifyStep } from '../scenario/schema.js';
import { verifyAmcheck } from './amcheck.js';
import { verifyFingerprints, verifyRowCounts, verifySequences } from './table-checks.js';
import { verifySchemaDiff } from './schema-diff.js';

type StepKind = 'rowCounts' | 'fingerprint' | 'sequences' | 'schemaDiff' | 'amcheck' | 'ledger';

export function stepKind(step: VerifyStep): StepKind {
  return Object.keys(step)[0] as StepKind;
}

/** Data checks, one per verify step kind. The ledger step is evaluated by the engine after the workload stops. */
const dataChecks: {
  [K in Exclude<StepKind, 'ledger'>]: (
    ctx: DrillContext,
    step: Extract<VerifyStep, Record<K, unknown>>,
  ) => Promise<void>;
} = {
  rowCounts: (ctx) => verifyRowCounts(ctx),
  fingerprint: (ctx, step) => verifyFingerprints(ctx, step.fingerprint),
  sequences: (ctx) => verifySequences(ctx),
  schemaDiff: (ctx) => verifySchemaDiff(ctx),
  amcheck: (ctx) => verifyAmcheck(ctx),
};

export async function runDataChecks(ctx: DrillContext): Promise<void> {
  for (const step of ctx.scenario.verify) {
    const kind = stepKind(step);
    if (kind === 'ledger') continue;
    const check = dataChecks[kind] as (ctx: DrillContext, step: VerifyStep) => Promise<void>;
    try {
      await check(ctx, step);
    } catch (err) {
      ctx.recorder.check({
        name: kind,
        status: 'error',
        message: `could not run: ${err instanceof Error ? err.message : String(err)}`,
        evidence: {},
      });
    }
  }
}
