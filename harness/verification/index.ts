import type { Drill } from '../engine/context.js';
import { errorMessage } from '../engine/errors.js';
import type { VerifyStep } from '../scenario/schema.js';
import { verifyAmcheck } from './amcheck.js';
import { verifyArchiveRestore } from './archive-restore.js';
import { verifySchemaDiff } from './schema-diff.js';
import { verifyCompareWith, verifySqlAssertion } from './user-checks.js';
import { verifyFingerprints, verifyRowCounts, verifySequences, type WriteSnapshot } from './table-checks.js';

/** The data check of one verify step; the ledger step is evaluated by the engine once the workload stops. */
function dataCheck(drill: Drill, step: VerifyStep, writes: WriteSnapshot): Promise<void> | undefined {
  if ('rowCounts' in step) return verifyRowCounts(drill, writes);
  if ('fingerprint' in step) return verifyFingerprints(drill, step.fingerprint, writes);
  if ('sequences' in step) return verifySequences(drill);
  if ('schemaDiff' in step) return verifySchemaDiff(drill);
  if ('amcheck' in step) return verifyAmcheck(drill);
  if ('archive' in step) return verifyArchiveRestore(drill, writes);
  if ('sql' in step) return verifySqlAssertion({ recorder: drill.recorder, conn: drill.db() }, step);
  if ('compareWith' in step) return verifyCompareWith({ recorder: drill.recorder, conn: drill.db() }, step);
  return undefined;
}

export function stepName(step: VerifyStep): string {
  return Object.keys(step)[0] ?? 'step';
}

export async function runDataChecks(drill: Drill, writes: WriteSnapshot): Promise<void> {
  for (const step of drill.scenario.verify) {
    try {
      await dataCheck(drill, step, writes);
    } catch (err) {
      drill.recorder.check({
        name: stepName(step),
        status: 'error',
        message: `could not run: ${errorMessage(err)}`,
        evidence: {},
      });
    }
  }
}
