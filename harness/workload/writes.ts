/** One row a write changed, as the writer was told by the server (RETURNING). */
export interface RowChange {
  table: string;
  /** Primary key value of the row, as text. */
  key: string;
  /** The column `key` is a value of, when it is not the table's integer primary key (users' statements). */
  keyColumn?: string;
  op: 'insert' | 'update';
  /**
   * A column value only this write's row has (an email with the seq, a timestamp): after a point-in-time
   * recovery, sequences hand out the same keys again, so a key alone does not prove the write survived.
   */
  witness?: { column: string; value: string };
  /** For updates: the column set and the value written. */
  column?: string;
  value?: string;
}

/** An acknowledged write: its commit returned to the client. */
export interface Ack {
  seq: number;
  /** Epoch ms (monotonic clock) when the commit was acknowledged. */
  ackAt: number;
  /** Epoch ms (monotonic clock) when the statement was sent. */
  sentAt: number;
  /** Index of the target (0 = original primary; each retarget adds one). */
  target: number;
  /** Server stamps of the write's ledger row: its transaction, WAL insert position and clock. */
  txid: string;
  lsn: string;
  serverAt: number;
  /** Which kind of write (ledger, new-order, status-update, ...). */
  kind: string;
  /** Rows of the dataset it changed, besides its ledger row. */
  changes: RowChange[];
}

export interface FailedWrite {
  seq: number;
  at: number;
  target: number;
  kind: string;
  error: string;
  /** The statement may have committed: the connection broke after it was sent. */
  ambiguous: boolean;
}

/** The next write a profile wants the writer to send: one statement, so it commits atomically. */
export interface PlannedWrite {
  kind: string;
  /** SQL whose first CTE is LEDGER_INSERT_CTE ($1 = seq) and whose one result row has txid, lsn, server_ms. */
  sql: string;
  /** Parameters after $1. */
  params: unknown[];
  /** The dataset rows the write changed, read from its result row. */
  changes(row: Record<string, unknown>): RowChange[];
  /**
   * Dual-target mode: the statement that writes the same rows, with the values the first target gave them
   * (keys, timestamps), to a second database; $1 = seq, `params` after it.
   */
  mirror?(row: Record<string, unknown>): { sql: string; params: unknown[] };
}

/** What the workload writes, besides the ledger. */
export interface WriteProfile {
  readonly name: string;
  /** Tables the profile writes to. */
  readonly tables: readonly string[];
  next(seq: number): PlannedWrite;
  /** Told about every acknowledged write, so later writes can refer to rows it made. */
  acknowledged(ack: Ack): void;
}
