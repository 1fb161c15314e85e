import { isScalar, parseDocument, visit, type Document, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

type Random = () => number;
const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

/** Values a user (or an editor, or a merge) may put where another value belongs. */
const ODD_VALUES: readonly unknown[] = [
  '',
  ' ',
  0,
  -1,
  1.5,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_SAFE_INTEGER + 2,
  '99999999999999999999999',
  'NaN',
  true,
  false,
  null,
  [],
  {},
  [[]],
  { a: { b: { c: {} } } },
  'x'.repeat(5000),
  '\u0000',
  'ünïcödé ✓',
  '../../etc/passwd',
  '2026-13-45 99:99',
  '2026-02-29 10:00:00',
  'DELETE FROM customers; DROP DATABASE drdrill',
  'DROP TABLE payments',
  'TRUNCATE order_items',
  "DELETE FROM customers WHERE note = 'a;b'",
  '< 120s',
  '<= 2m',
  '= 0 rows',
  '>> 5',
  '10s',
  '-5s',
  '0ms',
  'native',
  'testcontainers',
  'kubernetes',
  'embedded',
  'basebackup',
  'pitr',
  'before-fault',
  { env: 'SECRET' },
  { type: 'time', value: '2026-05-01 12:00:00+00' },
  { type: 'xid', value: '12x' },
  { method: 'dump' },
  { method: 'pgbackrest' },
  { rowCounts: 'baseline' },
  { ledger: 'complete' },
  { fingerprint: [] },
];

/** Keys from the scenario schema and near misses of them. */
const KEYS: readonly string[] = [
  'apiVersion',
  'kind',
  'metadata',
  'objectives',
  'deadline',
  'environment',
  'dataset',
  'workload',
  'backup',
  'fault',
  'recovery',
  'verify',
  'postgres',
  'settings',
  'objectStore',
  'volume',
  'standby',
  'target',
  'procedure',
  'type',
  'sql',
  'rto',
  'rpo',
  'rpo.lostSeconds',
  'archive_command',
  'port',
  'restore_command',
  'shared_buffers',
  'work_mem',
  'tamperNewestBackup',
  'removeWalSegment',
  'enviroment',
  'Fault',
  'tags',
  '<<',
  '',
];

/** Raw text that breaks YAML or stretches the parser. */
const SNIPPETS: readonly string[] = [
  ':',
  ': :',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '&a',
  '*a',
  '*undefined',
  '!!binary',
  '!!timestamp',
  '!custom',
  '|',
  '>',
  "'",
  '"',
  '#',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
  '\t',
  '\n',
  '\r\n',
  '\u0000',
  '\uFEFF',
  '\u2028',
  '? ',
  '<<: *a\n',
  '@',
  '`',
  '['.repeat(200) + ']'.repeat(200),
  '{a: '.repeat(100) + '1' + '}'.repeat(100),
  'x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
];

type Mutation = (text: string, rnd: Random) => string;

const textMutations: Mutation[] = [
  // Lines removed, repeated, swapped, re-indented: what a bad merge or an editor does.
  (t, r) => lines(t, r, (ls, i) => ls.splice(i, 1)),
  (t, r) => lines(t, r, (ls, i) => ls.splice(i, 0, ls[i]!)),
  (t, r) =>
    lines(t, r, (ls, i) => {
      const j = Math.floor(r() * ls.length);
      [ls[i], ls[j]] = [ls[j]!, ls[i]!];
    }),
  (t, r) => lines(t, r, (ls, i) => (ls[i] = ' '.repeat(Math.floor(r() * 5)) + ls[i]!.trimStart())),
  (t, r) => t.slice(0, Math.floor(r() * t.length)),
  (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + pick(r, SNIPPETS) + t.slice(at);
  },
  (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + pick(r, SNIPPETS) + t.slice(at + 1);
  },
  (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x3000)) + t.slice(at + 1);
  },
];

const treeMutations: Mutation[] = [
  // A scalar value replaced by an odd one, a key renamed, a pair removed or added, an anchor and an alias.
  (t, r) =>
    onDocument(t, r, (doc, nodes) => {
      const target = pick(r, nodes.scalars);
      if (target) target.value = pick(r, ODD_VALUES);
      return doc;
    }),
  (t, r) =>
    onDocument(t, r, (doc, nodes) => {
      const map = pick(r, nodes.maps);
      const pair = map?.items.length ? pick(r, map.items) : undefined;
      if (pair && isScalar(pair.key)) pair.key.value = pick(r, KEYS);
      return doc;
    }),
  (t, r) =>
    onDocument(t, r, (doc, nodes) => {
      const map = pick(r, nodes.maps);
      if (map?.items.length) map.items.splice(Math.floor(r() * map.items.length), 1);
      return doc;
    }),
  (t, r) =>
    onDocument(t, r, (doc, nodes) => {
      const map = pick(r, nodes.maps);
      map?.add(doc.createPair(pick(r, KEYS), pick(r, ODD_VALUES)));
      return doc;
    }),
  (t, r) =>
    onDocument(t, r, (doc, nodes) => {
      const seq = pick(r, nodes.seqs);
      if (seq?.items.length) seq.items.push(seq.items[Math.floor(r() * seq.items.length)]);
      else if (seq) seq.items.splice(0);
      return doc;
    }),
  (t, r) =>
    onDocument(t, r, (doc, nodes) => {
      const from = pick(r, [...nodes.maps, ...nodes.seqs]);
      const map = pick(r, nodes.maps);
      const pair = map?.items.length ? pick(r, map.items) : undefined;
      if (from && pair && from !== map) {
        from.anchor = 'a';
        pair.value = doc.createAlias(from, 'a');
      }
      return doc;
    }),
];

/** One fuzz case: 1 to 4 mutations of a shipped scenario, text- or tree-level. */
export function mutateScenario(source: string, rnd: Random): string {
  let text = source;
  const count = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < count; i++) {
    const mutation = rnd() < 0.5 ? pick(rnd, textMutations) : pick(rnd, treeMutations);
    text = mutation(text, rnd);
  }
  return text;
}

function lines(text: string, rnd: Random, change: (lines: string[], index: number) => void): string {
  const ls = text.split('\n');
  change(ls, Math.floor(rnd() * ls.length));
  return ls.join('\n');
}

interface Nodes {
  scalars: Scalar[];
  maps: YAMLMap[];
  seqs: YAMLSeq[];
}

function onDocument(text: string, rnd: Random, change: (doc: Document, nodes: Nodes) => Document): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  // A document that does not parse any more only gets text mutations.
  if (doc.errors.length) return pick(rnd, textMutations)(text, rnd);
  const nodes: Nodes = { scalars: [], maps: [], seqs: [] };
  visit(doc, {
    Scalar: (_key, node) => void nodes.scalars.push(node),
    Map: (_key, node) => void nodes.maps.push(node),
    Seq: (_key, node) => void nodes.seqs.push(node),
  });
  try {
    return String(change(doc, nodes));
  } catch {
    return text;
  }
}
