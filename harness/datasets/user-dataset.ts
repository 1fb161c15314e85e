import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Drill } from '../engine/context.js';
import { DRILL_DATABASE } from '../engine/context.js';
import { DrillError } from '../engine/errors.js';
import { dumpFormat, inspectDumpFile, loadDumpFile } from '../restore-tests/formats/dump.js';
import { selectBackup } from '../restore-tests/select.js';
import { openSource, sourceConnection } from '../restore-tests/source.js';
import type { DatasetSpec } from '../scenario/schema.js';
import { withClient } from '../util/pg-client.js';
import { listTables, rowCount } from '../verification/table-probes.js';
import { fetchToFile } from './fetch-to-file.js';

/** Which source a dataset names: the shop fixture (the default), SQL files, a dump, or pgbench. */
export type DatasetKind = 'shop' | 'sql' | 'dump' | 'pgbench';

export function datasetKind(d: DatasetSpec): DatasetKind {
  if (d.sql) return 'sql';
  if (d.dump) return 'dump';
  if (d.pgbench) return 'pgbench';
  return 'shop';
}

/**
 * Loads the user's own schema and data into the drill database: SQL files through psql (stopping at the first
 * error, which names the file), `pgbench -i`, or a pg_dump (a file, or the newest from their bucket), checked
 * before it is loaded. Returns what was loaded and the row count of every table.
 */
export async function loadUserDataset(drill: Drill): Promise<{ description: string; rows: Record<string, number> }> {
  const d = drill.scenario.dataset;
  const base = dirname(drill.loaded.file);
  let description: string;
  if (d.sql) {
    for (const file of d.sql) {
      const path = resolve(base, file);
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new DrillError('invalid-config', `dataset.sql: cannot read ${file} (${err.code ?? err.message})`);
      });
      const r = await drill.primary.runTool('psql', {
        args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', DRILL_DATABASE, '-f', '-'],
        stdin: text,
        allowFailure: true,
      });
      if (r.code !== 0)
        throw new DrillError(
          'failed',
          `dataset.sql: ${file} failed: ${r.stderr.trim().split('\n').slice(0, 2).join(' | ')}`,
        );
    }
    description = `SQL files ${d.sql.join(', ')}`;
  } else if (d.pgbench) {
    const r = await drill.primary.runTool('pgbench', {
      args: ['-i', '-q', '-s', String(d.pgbench.scale), DRILL_DATABASE],
      allowFailure: true,
    });
    if (r.code !== 0) throw new DrillError('failed', `pgbench -i failed: ${r.stderr.trim().split('\n').at(-1)}`);
    description = `pgbench at scale ${d.pgbench.scale}`;
  } else if (d.dump) {
    description = await loadDump(drill, d.dump, base);
  } else throw new DrillError('error', 'the shop fixture is not a user dataset');
  const rows = await withClient(drill.db(), async (c) => {
    const out: Record<string, number> = {};
    for (const t of await listTables(c)) out[t] = await rowCount(c, t);
    await c.query('ANALYZE');
    return out;
  });
  return { description, rows };
}

async function loadDump(drill: Drill, dump: NonNullable<DatasetSpec['dump']>, base: string): Promise<string> {
  let path: string;
  let name: string;
  if (typeof dump === 'string') {
    path = resolve(base, dump);
    name = dump;
  } else {
    const conn = sourceConnection(dump.source.objectStore, 'dataset.dump.source.objectStore');
    const store = openSource(conn);
    try {
      const backups = await dumpFormat.list({ store, conn, tools: drill.primary }, dump.source.format);
      const backup = selectBackup(backups, dump.source.select);
      name = `s3://${conn.bucket}/${conn.prefix}${backup.id}`;
      path = await fetchToFile(store, backup.objects[0]!, drill.workDir);
    } finally {
      store.destroy();
    }
  }
  const inspected = await inspectDumpFile(drill.primary, path, name);
  if (inspected.problems.length) throw new DrillError('failed', `dataset.dump: ${inspected.problems[0]}`);
  if (inspected.layout === 'cluster-sql')
    throw new DrillError(
      'invalid-config',
      `dataset.dump: ${name} is a pg_dumpall script; give a pg_dump of one database`,
    );
  const { errors } = await loadDumpFile(drill.primary, path, inspected, DRILL_DATABASE, drill.env.kind === 'native');
  if (errors.length) throw new DrillError('failed', `dataset.dump: loading ${name} failed: ${errors[0]}`);
  return `the dump ${name}`;
}
