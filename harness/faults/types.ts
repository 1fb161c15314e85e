import type { Drill } from '../engine/context.js';
import type { Scenario } from '../scenario/schema.js';

/** Something a fault destroys, which verification must then prove is back. */
export type Damage =
  /** `content`: rows were changed, not removed (an UPDATE): only a fingerprint or a SQL check proves them back. */
  | { kind: 'table'; name: string; content?: true }
  /** The whole cluster (its data directory, or its node): every table and the ledger. */
  | { kind: 'cluster'; name: string }
  /** A volume ran full: every table and the ledger are at risk. */
  | { kind: 'volume'; name: 'data' | 'wal' }
  /** WAL missing from the archive: a restore from it must be proven to reach the present again. */
  | { kind: 'archive'; name: 'wal' };

/** What the fault recorded about the moment of the disaster. */
export interface FaultRecord {
  /** Epoch ms on the monotonic clock, stamped immediately before the destructive action. */
  at: number;
  description: string;
  /** What the fault damaged; detection may add to it (e.g. tables a cascade reached). */
  damaged: Damage[];
  /** For SQL faults: the destructive transaction. */
  txid?: string;
  /** The LSN after the destructive commit. */
  lsn?: string;
  /** The LSN just before the destructive statement. */
  lsnBefore?: string;
  /** Server time of the destructive commit (commit timestamp). */
  commitTime?: string;
  commitAt?: number;
  /** Tables the fault damaged (also in `damaged`). */
  tables?: string[];
  /** The backup this drill damaged on purpose (tamperNewestBackup, corruptNewestBackup). */
  tamperedBackupId?: string;
  tamperedBackup?: string;
  removedWalSegment?: string;
  /** Set by detection: the postmaster exited (a WAL PANIC). */
  postmasterDied?: boolean;
  [key: string]: unknown;
}

/**
 * One fault, in one module: its scenario spec (zod, exported beside it and registered in index.ts) and this
 * definition. `S` is the parsed spec.
 */
export interface FaultDefinition<S> {
  /** What the fault damages, known before anything runs; validation requires a check on each. */
  damage(spec: S): Damage[];
  /** Cross-field checks run at validation time, before any work. */
  validate?(spec: S, scenario: Scenario): string[];
  /** Instance settings the fault needs from the start (e.g. a size-limited volume). */
  provisionHints?(spec: S): { volume?: { sizeMB: number; walSizeMB?: number } };
  /** Injects the real failure and records when and what it hit. */
  inject(drill: Drill, spec: S): Promise<FaultRecord>;
  /** Observes the failure the way an operator would, recording the evidence as checks. */
  detect(drill: Drill, spec: S): Promise<void>;
}

export function defineFault<S>(definition: FaultDefinition<S>): FaultDefinition<S> {
  return definition;
}

export function damageName(d: Damage): string {
  return d.kind === 'table' ? d.name : `${d.kind}:${d.name}`;
}
