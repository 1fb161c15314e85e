/**
 * The ledger table: every row is stamped by the server itself with its commit-time clock, txid, WAL position
 * and timeline, so RPO can be read back from whatever database survives a recovery.
 */
export const LEDGER_TABLE = 'drdrill_ledger';

export const CREATE_LEDGER_SQL = `
CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  seq        bigint PRIMARY KEY,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  txid       bigint NOT NULL DEFAULT txid_current(),
  lsn        pg_lsn NOT NULL DEFAULT pg_current_wal_insert_lsn(),
  timeline   integer NOT NULL DEFAULT ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::integer
)`;

export const INSERT_LEDGER_SQL = `INSERT INTO ${LEDGER_TABLE} (seq) VALUES ($1)`;
