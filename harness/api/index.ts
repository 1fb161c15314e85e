/**
 * drdrill as a library: the same code path as the `drdrill` command. Scenarios are validated in full before
 * anything starts; a drill that fails resolves with its journal, it never throws.
 */
export {
  defineDrill,
  loadScenario,
  validateScenario,
  type ScenarioInput,
  type ScenarioSource,
  type ValidationResult,
} from './scenarios.js';
export { runDrill, runDrills, type RunDrillOptions, type RunDrillsOptions, type RunDrillsResult } from './run.js';
export { renderReports, type RenderReportsOptions, type ReportFormat } from './reports.js';
export { readJournalFile as readJournal } from '../../reports/journals.js';
export { formatProblem, ScenarioError, type LoadedScenario, type ScenarioProblem } from '../scenario/load.js';
export type { EnvironmentKind, Scenario, VerifyStep } from '../scenario/schema.js';
export type { Objective } from '../scenario/objectives.js';
export { DrillError } from '../engine/errors.js';
export { EXIT_CODES, type ExitCodeName } from '../engine/exit-codes.js';
export { JOURNAL_SCHEMA_VERSION, PHASE_NAMES, VERDICTS } from '../engine/journal.js';
export type {
  ArtifactRecord,
  AuditRecord,
  BackupRecord,
  CheckEvidence,
  CheckRecord,
  CheckStatus,
  EnvironmentRecord,
  Journal,
  JournalEvent,
  LedgerSummary,
  ObjectiveResult,
  Outage,
  PhaseName,
  PhaseRecord,
  PhaseStatus,
  RpoMeasurements,
  RtoMeasurements,
  Verdict,
} from '../engine/journal.js';
export type { Logger } from '../util/logger.js';
export type { RunAuditOptions } from '../evidence/audit-record.js';
