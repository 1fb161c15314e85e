/**
 * A selective pg_restore that brings a table back whole. `pg_restore --table` restores only the table and its
 * data: not its owned sequence, column defaults, keys, indexes or triggers, so the application cannot insert
 * into it afterwards. Like `pg_dump -t`, this keeps every TOC entry that belongs to the tables, for
 * `pg_restore -L`.
 */

const DESCS = [
  'SEQUENCE OWNED BY',
  'SEQUENCE SET',
  'FK CONSTRAINT',
  'TABLE DATA',
  'CONSTRAINT',
  'SEQUENCE',
  'DEFAULT',
  'TRIGGER',
  'INDEX',
  'TABLE',
  'COMMENT',
];

interface TocEntry {
  line: string;
  desc: string;
  schema: string;
  /** The first word of the tag: the table for CONSTRAINT/DEFAULT/TRIGGER, the object's own name otherwise. */
  name: string;
}

function parseToc(toc: string): TocEntry[] {
  const out: TocEntry[] = [];
  for (const line of toc.split('\n')) {
    const m = /^\d+; \d+ \d+ (.*)$/.exec(line.trim());
    if (!m) continue;
    const desc = DESCS.find((d) => m[1]!.startsWith(`${d} `));
    if (!desc) continue;
    const [schema = '', name = ''] = m[1]!.slice(desc.length + 1).split(' ');
    out.push({ line, desc, schema, name });
  }
  return out;
}

/** Which table owns each index and sequence, read from the dump's schema SQL (`pg_restore -s -f -`). */
function owners(schemaSql: string): Map<string, string> {
  const owned = new Map<string, string>();
  for (const m of schemaSql.matchAll(/CREATE (?:UNIQUE )?INDEX (\S+) ON (?:ONLY )?(\S+?)\.(\S+) /g))
    owned.set(m[1]!, m[3]!);
  for (const m of schemaSql.matchAll(/ALTER SEQUENCE (\S+?)\.(\S+) OWNED BY \S+?\.(\S+)\.\S+;/g))
    owned.set(m[2]!, m[3]!);
  return owned;
}

/** The TOC lines (`pg_restore -l` output) that restore `tables` whole; tables may be schema-qualified. */
export function tocForTables(toc: string, schemaSql: string, tables: string[]): string {
  const wanted = new Set(tables.map((t) => (t.includes('.') ? t.split('.').at(-1)! : t)));
  const owned = owners(schemaSql);
  return parseToc(toc)
    .filter((e) => {
      if (['TABLE', 'TABLE DATA', 'DEFAULT', 'CONSTRAINT', 'FK CONSTRAINT', 'TRIGGER'].includes(e.desc))
        return wanted.has(e.name);
      if (['INDEX', 'SEQUENCE', 'SEQUENCE OWNED BY', 'SEQUENCE SET'].includes(e.desc))
        return wanted.has(owned.get(e.name) ?? '');
      return false;
    })
    .map((e) => e.line)
    .join('\n');
}
