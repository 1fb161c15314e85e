import type { Scenario } from '../scenario/schema.js';

/** Bump when a field changes meaning or is removed; adding optional fields keeps the version. */
export const JOURNAL_SCHEMA_VERSION = 1;

export type Verdict = 'passed' | 'failed' | 'error' | 'interrupted' | 'timedout' | 'skipped';
export type PhaseStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'interrupted' | 'timedout';
export type CheckStatus = 'passed' | 'failed' | 'error' | 'skipped';

export const PHASE_NAMES = [
  'provision',
  'seed',
  'baseline',
  'backup',
  'workload',
  'inject',
  'detect',
  'recover',
  'verify',
  'teardown',
] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export interface PhaseRecord {
  name: PhaseName;
  /** Wall-clock ISO timestamps. */
  start: string;
  end: string;
  /** Measured with the monotonic clock. */
  seconds: number;
  status: PhaseStatus;
  error?: string;
}

export interface JournalEvent {
  /** Wall-clock ISO timestamp. */
  time: string;
  /** Seconds since the drill started, monotonic. */
  t: number;
  kind: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface CheckEvidence {
  query?: string;
  command?: string;
  expected?: unknown;
  actual?: unknown;
  output?: string;
  [key: string]: unknown;
}

export interface CheckRecord {
  name: string;
  status: CheckStatus;
  /** Short reason, required when not passed. */
  message?: string;
  evidence: CheckEvidence;
}

export interface ObjectiveResult {
  source: string;
  metric: string;
  comparator: string;
  threshold: number;
  actual: number | null;
  status: 'met' | 'missed' | 'not-measured';
}

export interface RtoMeasurements {
  /** From the fault to the first acknowledged ledger write on the recovered primary. */
  serviceSeconds?: number;
  /** From the fault to data verified. */
  verifiedSeconds?: number;
  /** Sub-phases of recovery in order; they add up to verifiedSeconds. */
  phases?: { name: string; seconds: number }[];
}

export interface RpoMeasurements {
  /** Acknowledged ledger writes missing after recovery. */
  lostAckedWrites?: number;
  /** Seconds between the first and the last lost acknowledged write (0 when none or one). */
  lostSeconds?: number;
  firstLostSeq?: number;
  lastLostSeq?: number;
  /** Writes before the recovery target that are missing: what the procedure was meant to save. */
  lostBeforeTarget?: number;
  /** Writes after the recovery target that a PITR discards on purpose. */
  discardedAfterTarget?: number;
}

export interface LedgerSummary {
  acked: number;
  failedAttempts: number;
  ambiguous: number;
  firstAckAt?: string;
  lastAckAt?: string;
  /** Writes/s per second bucket, for charts: [unix seconds, acked writes]. */
  perSecond: [number, number][];
  outages: { from: string; to: string | null; seconds: number | null; error: string }[];
}

export interface BackupRecord {
  id: string;
  method: string;
  startedAt: string;
  finishedAt: string;
  bytes: number;
  sha256?: string;
  objects: { key: string; bytes: number; sha256: string }[];
  startLsn?: string;
  stopLsn?: string;
  timeline?: number;
  label?: string;
}

export interface EnvironmentRecord {
  kind: string;
  postgres: { version: string; versionNum: number; binDir?: string; settings: Record<string, string> };
  objectStore: { kind: string; endpoint: string; bucket: string; prefix: string };
  tools: Record<string, string>;
  host: { platform: string; arch: string; node: string; cpus: number };
}

export interface Journal {
  schemaVersion: number;
  drdrillVersion: string;
  drill: string;
  /** Names this run's work directory, bucket and containers (label org.drdrill.run). */
  runId?: string;
  scenario: { file: string; sha256: string; source: string; parsed: Scenario };
  startedAt: string;
  finishedAt: string;
  seconds: number;
  verdict: Verdict;
  /** Why the verdict is not passed: the first failing check, phase error or missed objective. */
  reason?: string;
  environment?: EnvironmentRecord;
  /** The cluster was simulated (tests): its timings are not a measured RTO. */
  simulated?: boolean;
  /** environment "kubernetes": context, namespace, storage and every object applied (Secrets by key only). */
  kubernetes?: Record<string, unknown>;
  phases: PhaseRecord[];
  events: JournalEvent[];
  measurements: {
    rto?: RtoMeasurements;
    rpo?: RpoMeasurements;
    ledger?: LedgerSummary;
    fault?: Record<string, unknown>;
    recovery?: Record<string, unknown>;
    [key: string]: unknown;
  };
  objectives: ObjectiveResult[];
  checks: CheckRecord[];
  backups: BackupRecord[];
  artifacts: { name: string; path: string; description: string }[];
}
