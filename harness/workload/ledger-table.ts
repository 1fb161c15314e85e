/**
 * The ledger table: every write of the workload inserts one row, stamped by the server itself with its
 * clock, txid, WAL position and timeline, in the same transaction as the write's changes to the dataset. So
 * every acknowledged write has server-side stamps, and RPO can be read back from whatever database survives.
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

/** The ledger row of write $1, returning its server-side stamps. */
export const LEDGER_INSERT_CTE = `ledger AS (
  INSERT INTO ${LEDGER_TABLE} (seq) VALUES ($1)
  RETURNING txid::text AS txid, lsn::text AS lsn, (extract(epoch FROM written_at) * 1000)::float8 AS server_ms
)`;
