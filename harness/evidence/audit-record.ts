import type { AuditRecord, Journal } from '../engine/journal.js';
import type { Scenario } from '../scenario/schema.js';

/** Who ran and who approved the drill (`drdrill run --operator --approver`). */
export interface RunAuditOptions {
  operator?: string;
  approver?: string;
}

/**
 * The journal's `audit` block: the scenario's owner, runbook and rationale with the run's operator and approver.
 * Returns `{}` when there is nothing to record, so journals of drills without them keep their shape.
 */
export function auditRecord(metadata: Scenario['metadata'], run: RunAuditOptions = {}): { audit?: AuditRecord } {
  const audit: AuditRecord = {
    ...(metadata.owner ? { owner: metadata.owner } : {}),
    ...(metadata.runbook ? { runbook: { ...metadata.runbook } } : {}),
    ...(metadata.rationale ? { rationale: metadata.rationale } : {}),
    ...(run.operator ? { operator: run.operator } : {}),
    ...(run.approver ? { approver: run.approver } : {}),
  };
  return Object.keys(audit).length ? { audit } : {};
}

/**
 * The audit record of a journal, also for journals written before the `audit` block existed: the scenario's
 * metadata fills what the block does not hold.
 */
export function auditOf(journal: Journal): AuditRecord {
  const metadata = journal.scenario.parsed.metadata;
  return { ...auditRecord(metadata).audit, ...journal.audit };
}
