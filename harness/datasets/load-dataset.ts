import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { SHOP_TABLES, shopCounts, shopRows } from '../../fixtures/datasets/shop/generate.js';
import { withClient } from '../util/pg-client.js';
import { packageRoot } from '../util/paths.js';
import type { ConnectionInfo } from '../environments/types.js';

export interface LoadedDataset {
  fixture: string;
  scale: number;
  seed: number;
  rows: Record<string, number>;
  /** pg_database_size after loading: what a restore of this dataset has to move. */
  bytes: number;
  seconds: number;
}

/** Creates the schema and loads every table with COPY, batching rows into ~1 MB chunks. */
export async function loadShopDataset(conn: ConnectionInfo, scale: number, seed: number): Promise<LoadedDataset> {
  const started = performance.now();
  const schema = await readFile(join(packageRoot(), 'fixtures', 'datasets', 'shop', 'schema.sql'), 'utf8');
  const bytes = await withClient(conn, async (client) => {
    await client.query(schema);
    for (const table of SHOP_TABLES) {
      const copy = client.query(copyFrom(`COPY ${table} FROM STDIN`));
      await pipeline(Readable.from(batched(shopRows(table, scale, seed))), copy);
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
    await client.query('ANALYZE');
    const size = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
    return Number(size.rows[0]!.bytes);
  });
  const counts = shopCounts(scale);
  return { fixture: 'shop', scale, seed, rows: { ...counts }, bytes, seconds: (performance.now() - started) / 1000 };
}

function* batched(lines: Generator<string>): Generator<string> {
  let buf = '';
  for (const line of lines) {
    buf += line;
    if (buf.length > 1 << 20) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}
