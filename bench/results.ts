/** The shape of bench-results/results.json, part by part; the README is rendered from it alone. */

export interface Conditions {
  startedAt: string;
  cpus: number;
  /** 1-minute load averages: other work on the machine shows here. */
  loadStart: number;
  loadEnd: number;
  seconds: number;
}

export type Outcome<T> = T | { skipped: string } | { error: string };
export type Part<T> = Outcome<T> & { conditions?: Conditions };

export interface Fit {
  slope: number;
  intercept: number;
  r2: number;
}

export interface SetupFacts {
  requestedGB: number;
  scale: number;
  datasetBytes: number;
  datasetGB: number;
  walBytes: number;
  walSegments: number;
  setupSeconds: Record<string, number>;
}

export interface WalPrefetchResult {
  walBytes: number;
  depths: { prefetch: number; runs: number[]; replay: number[]; median: number; replayMedian: number }[];
  best: number;
  replaySpeedupOfBest: number;
}

export interface OverheadResult extends SetupFacts {
  rowsBeforeFault: number;
  drdrill: { prefetch: number; runs: number[]; median: number; steps: Record<string, number> };
  rawScript: { script: string; runs: number[]; median: number };
  ratio: number;
  target: string;
  walPrefetch: WalPrefetchResult;
}

export interface FetchFigure {
  runs: number[];
  MBps: number;
  what: string;
}

export interface ThroughputResult extends SetupFacts {
  backupBytes: number;
  fetch: {
    drdrill: FetchFigure;
    drdrillSingleGet: FetchFigure;
    rawParallelGet: FetchFigure;
    ratio: number;
    target: string;
  };
  restore: {
    drdrill: { runs: number[]; median: number; steps: Record<string, number>[] };
    pgbackrest: { runs: number[]; median: number; steps: Record<string, number>[]; settings: string };
    ratio: number;
    target: string;
  };
}

export interface ScalePoint {
  requestedGB: number;
  scale: number;
  verdict: string;
  reason?: string;
  datasetBytes: number | null;
  datasetGB: number | null;
  backupBytes: number | null;
  walReplayedBytes: number | null;
  seconds: {
    seed: number | null;
    backup: number | null;
    fetch: number | null;
    replay: number | null;
    restore: number | null;
    rtoService: number | null;
    rtoDataRestored: number | null;
    rtoVerified: number | null;
  };
  drillSeconds: number;
  measuredAt: string;
}

export type ScaleMetric = keyof ScalePoint['seconds'];

export interface ScaleResult {
  points: ScalePoint[];
  secondsPerGB: Partial<Record<ScaleMetric, Fit | null>>;
}

export interface SuiteRun {
  seconds: number;
  exitCode: number;
  verdicts: Record<string, string>;
}

export interface SuiteResult {
  parallel1: SuiteRun;
  parallel2: SuiteRun;
  ratio: number;
  what: string;
}

export interface FoundationResult {
  provisionSeconds: { median: number; runs: number[]; target: string };
  ledger: { writesPerSecond: number; pgbenchSingleInsertTps: number; ratio: number; target: string };
}

export interface EnvironmentsResult {
  median?: Record<'native' | 'testcontainers', { provisionMedian: number; rtoMedian: number }>;
  ratio?: { provision: number; accidentalDeleteRto: number };
  [kind: string]: unknown;
}

export interface BenchResults {
  measuredAt?: string;
  node?: string;
  foundation?: Part<FoundationResult>;
  environments?: Part<EnvironmentsResult>;
  overhead?: Part<OverheadResult>;
  throughput?: Part<ThroughputResult>;
  scale?: Part<ScaleResult>;
  suite?: Part<SuiteResult>;
  restoreTests?: Part<Record<string, unknown>>;
}

/** The part's figures, or why there are none. */
export function figures<T extends object>(part: Part<T> | undefined): T | string {
  if (!part) return 'Not run yet.';
  if ('skipped' in part && typeof part.skipped === 'string') return `Skipped: ${part.skipped}`;
  if ('error' in part && typeof part.error === 'string') return `Failed: ${part.error}`;
  return part as T;
}
