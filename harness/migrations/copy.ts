import { posix } from 'node:path';
import type pg from 'pg';
import { DRILL_DATABASE } from '../engine/context.js';
import { round } from '../engine/recorder.js';
import type { PgTool, ToolResult } from '../environments/types.js';
import { now } from '../util/clock.js';
import { withClient } from '../util/pg-client.js';
import { listTables, quoteIdent, rowCount } from '../verification/table-probes.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';
import type { Migration } from './context.js';

/** What a copy moved and how fast: the journal's migration.copy. */
export interface CopyStats {
  tool: string;
  format?: string;
  jobs?: number;
  seconds: number;
  /** Size of the source database when the copy started (pg_database_size). */
  bytes: number;
  /** Rows on the target when the copy finished, every table and the ledger. */
  rows: number;
  bytesPerSecond: number;
  rowsPerSecond: number;
  /** Tables whose data the copy left out on purpose (fault injection). */
  skippedTableData?: string[];
}

/** Runs a client tool on the target's side that connects to the source (as pg_dump from the new server). */
function runAgainstSource(m: Migration, tool: PgTool, args: string[]): Promise<ToolResult> {
  const peer = m.source.peerConnection(DRILL_DATABASE);
  return m.target.runTool(tool, {
    args: ['-h', peer.host, '-p', String(peer.port), '-U', peer.user, ...args],
    ...(peer.password ? { env: { PGPASSWORD: peer.password } } : {}),
  });
}

/** The schema of the source (pg_dump -s), created in the target's drill database; returns the commands. */
export async function copySchema(m: Migration): Promise<string[]> {
  const dump = await runAgainstSource(m, 'pg_dump', ['-s', '--no-owner', '--no-privileges', '-d', DRILL_DATABASE]);
  const restore = await m.target.runTool('psql', {
    args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', DRILL_DATABASE],
    stdin: dump.stdout,
  });
  return [dump.command, restore.command];
}

/**
 * pg_dump of the source and pg_restore into the target, parallel (-j) for the directory format. The dump is
 * written on the target's side, as an operator copying into a new server would.
 */
export async function dumpAndRestore(
  m: Migration,
  opts: { format: 'directory' | 'custom'; jobs: number; skipTableData?: string[] },
): Promise<{ stats: CopyStats; commands: string[]; restoreOutput: string }> {
  const bytes = await databaseBytes(m);
  const started = now();
  const dir = posix.join(posix.dirname(m.target.dataDir), `migration-dump-${Date.now().toString(36)}`);
  const parallel = opts.jobs > 1 ? ['-j', String(opts.jobs)] : [];
  const dump = await runAgainstSource(m, 'pg_dump', [
    '-d',
    DRILL_DATABASE,
    opts.format === 'directory' ? '-Fd' : '-Fc',
    ...(opts.format === 'directory' ? parallel : []),
    ...(opts.skipTableData ?? []).flatMap((t) => ['--exclude-table-data', t]),
    '-f',
    dir,
  ]);
  const restore = await m.target.runTool('pg_restore', {
    args: ['-d', DRILL_DATABASE, ...parallel, '--no-owner', '--exit-on-error', dir],
  });
  const seconds = (now() - started) / 1000;
  return {
    stats: copyStats(
      {
        tool: 'pg_dump/pg_restore',
        format: opts.format,
        jobs: opts.jobs,
        ...(opts.skipTableData?.length ? { skippedTableData: opts.skipTableData } : {}),
      },
      bytes,
      await targetRows(m),
      seconds,
    ),
    commands: [dump.command, restore.command],
    restoreOutput: restore.stderr,
  };
}

export function copyStats(
  base: Pick<CopyStats, 'tool' | 'format' | 'jobs' | 'skippedTableData'>,
  bytes: number,
  rows: number,
  seconds: number,
): CopyStats {
  const s = Math.max(seconds, 0.001);
  return {
    ...base,
    seconds: round(seconds),
    bytes,
    rows,
    bytesPerSecond: Math.round(bytes / s),
    rowsPerSecond: Math.round(rows / s),
  };
}

export async function databaseBytes(m: Migration): Promise<number> {
  return withClient(m.db(m.source), async (c) =>
    Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n')).rows[0]!.n),
  );
}

/** Rows of every table (and the ledger) on the target now. */
export async function targetRows(m: Migration): Promise<number> {
  return withClient(m.db(m.target), async (c) => {
    let total = 0;
    for (const t of [...(await listTables(c)), LEDGER_TABLE]) total += await rowCount(c, t);
    return total;
  });
}

/** Column names of a table, in order. */
export async function tableColumns(c: pg.Client, table: string): Promise<string[]> {
  const r = await c.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [quoteIdent(table)],
  );
  return r.rows.map((x) => x.name);
}
