import pg from 'pg';
import { budgetMs } from '../engine/budgets.js';
import type { ConnectionInfo } from '../environments/types.js';

export interface ClientOptions {
  /** Default: the "connect" budget. */
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Client-side: a query that gets no answer within this fails (the server may be gone). */
  queryTimeoutMs?: number;
  applicationName?: string;
  /** Every transaction of the session is read-only (default_transaction_read_only): for databases only read. */
  readOnly?: boolean;
}

/** A server as the harness knows it, or a user's DSN (libpq URI or key=value string). */
export type ConnectTarget = ConnectionInfo | { connectionString: string };

/** A connected client; the caller ends it. A server that goes away fails pending queries, never the process. */
export async function connectClient(conn: ConnectTarget, opts: ClientOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    ...conn,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? budgetMs('connect'),
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
    ...(opts.applicationName ? { application_name: opts.applicationName } : {}),
    ...(opts.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}

/** Runs fn with a fresh connection and always closes it. */
export async function withClient<T>(
  conn: ConnectTarget,
  fn: (c: pg.Client) => Promise<T>,
  opts: ClientOptions = {},
): Promise<T> {
  const client = await connectClient(conn, opts);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** "connected", or the error a client gets: how an operator sees that a server is down. */
export async function probeConnection(conn: ConnectionInfo, timeoutMs = 2000): Promise<string> {
  return withClient(conn, async () => 'connected', { connectTimeoutMs: timeoutMs }).catch((err: Error) => err.message);
}
