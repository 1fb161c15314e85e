import { DRILL_DATABASE } from '../engine/context.js';
import type { PgInstance } from '../environments/types.js';
import { LEDGER_TABLE } from '../workload/ledger-table.js';

/** `pg_dump -s`, as the seed guide compares schemas; the ledger is left out because drills create it. */
export async function schemaDump(
  instance: PgInstance,
  database = DRILL_DATABASE,
  env?: Record<string, string>,
): Promise<string> {
  const r = await instance.runTool('pg_dump', {
    args: ['-s', '--no-owner', '--no-privileges', '-T', LEDGER_TABLE, ...(env ? [] : [database])],
    ...(env ? { env } : {}),
  });
  return normaliseSchemaDump(r.stdout);
}

/** A schema dump without what differs between two dumps of the same schema. */
export function normaliseSchemaDump(text: string): string {
  // Drop what differs between two dumps of the same schema: header comments, the random \restrict key of
  // recent pg_dump releases, and the amcheck extension that pg_amcheck --install-missing adds.
  return text
    .split('\n')
    .filter((l) => !/^--( Dumped|$)|^-- (Name|Data for|PostgreSQL database dump)|^\\(un)?restrict |amcheck/.test(l))
    .join('\n');
}
