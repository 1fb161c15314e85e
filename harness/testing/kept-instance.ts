import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { findPostgresBinDir } from '../environments/native/postgres-binaries.js';
import { parseAckFile, parseChangeFile } from '../workload/ack-files.js';
import type { Ack } from '../workload/writes.js';
import { freePort } from '../util/ports.js';
import { postgresAccount } from '../util/process.js';
import { connectClient } from '../util/pg-client.js';
import { retryUntil } from '../util/retry.js';

/**
 * Starts PostgreSQL on an instance's data directory that a drill left behind with --keep, so a test can
 * query the recovered database itself instead of trusting the drill's own figures.
 */
export async function startKeptInstance(
  workDir: string,
  instance: string,
  { runId, database = 'drdrill' }: { runId?: string | undefined; database?: string } = {},
): Promise<{ client: pg.Client; stop(): Promise<void> }> {
  // One work directory may hold several drills of one run: the journal's runId picks one.
  const [run] = readdirSync(workDir).filter((d) => d === `drdrill-${runId}` || (!runId && d.startsWith('drdrill-')));
  const dataDir = join(workDir, run!, 'instances', instance, 'data');
  const socket = mkdtempSync(join(tmpdir(), 'drdrill-sock-'));
  const account = postgresAccount();
  chmodSync(socket, 0o755);
  if (account) chownSync(socket, account.uid, account.gid);
  const port = await freePort();
  const child = spawn(
    join(findPostgresBinDir(), 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socket}`,
      '-c',
      'archive_mode=off',
    ],
    {
      stdio: 'ignore',
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const conn = { host: '127.0.0.1', port, user: 'postgres', database };
  const client = await retryUntil(
    `kept ${instance} accepting connections`,
    () => connectClient(conn),
    () => true,
    { timeoutMs: 30_000 },
  );
  return {
    client,
    async stop() {
      await client.end().catch(() => {});
      child.kill('SIGINT');
      await exited;
      rmSync(socket, { recursive: true, force: true });
    },
  };
}

/** Acknowledged writes from a drill's ack file that a database does not hold: an independent RPO count. */
export async function missingAcks(client: pg.Client, ackFile: string): Promise<Ack[]> {
  const present = new Set(
    (await client.query<{ seq: string }>('SELECT seq FROM drdrill_ledger')).rows.map((x) => Number(x.seq)),
  );
  return parseAckFile(readFileSync(ackFile, 'utf8')).filter((a) => !present.has(a.seq));
}

/**
 * Acknowledged inserts into a table (from the drill's workload-changes.csv) whose row a database does not hold
 * (same key and the same witness value, since keys are reused after a point-in-time recovery): an independent
 * per-table RPO count.
 */
export async function missingInserts(
  client: pg.Client,
  changeFile: string,
  table: string,
): Promise<{ acked: number; missing: number[] }> {
  const inserts = [...parseChangeFile(readFileSync(changeFile, 'utf8'))].flatMap(([seq, changes]) =>
    changes.filter((c) => c.table === table && c.op === 'insert').map((c) => ({ seq, c })),
  );
  const column = inserts[0]?.c.witness?.column;
  if (!column) return { acked: 0, missing: [] };
  const r = await client.query<{ id: string; witness: string }>(
    `SELECT id::text AS id, ${column}::text AS witness FROM ${table} WHERE id = ANY($1::bigint[])`,
    [inserts.map((i) => i.c.key)],
  );
  const present = new Set(r.rows.map((row) => `${row.id}\t${row.witness}`));
  return {
    acked: inserts.length,
    missing: inserts.filter((i) => !present.has(`${i.c.key}\t${i.c.witness?.value}`)).map((i) => i.seq),
  };
}
