import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { variant } from '../testing/journals.js';
import { inlineScenarios, runCli } from '../testing/run-cli.js';
import { parseScenario } from './load.js';
import { sqlStatements } from './sql-statements.js';
import { timestampProblem } from './timestamp.js';

const BOMB = `apiVersion: drdrill/v1
kind: Drill
metadata: { name: bomb }
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
`;

describe('bad input found by new users becomes a positioned validation error (exit 2)', () => {
  it('each case names file:line:col, the path and why, through the real CLI, and starts nothing', async () => {
    const dir = inlineScenarios({
      'settings.yaml': variant('accidental-delete.yaml', [
        [
          /settings: \{ archive_timeout: "10s" \}/,
          'settings: { archive_timeout: "10s", archive_command: "/bin/true", Port: 6000 }',
        ],
      ]),
      'bomb.yaml': BOMB,
      'two-statements.yaml': variant('accidental-delete.yaml', [
        [/sql: DELETE FROM customers/, 'sql: "DELETE FROM customers; DROP DATABASE drdrill"'],
      ]),
      'time.yaml': variant('accidental-delete.yaml', [
        [
          /recovery: \{ procedure: pitr.*\}/,
          'recovery: { procedure: pitr, target: { type: time, value: "2026-13-45 99:99" } }',
        ],
      ]),
    });
    const file = (name: string) => join(dir, name);
    const settingsLine =
      readFileSync(file('settings.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('archive_command')) + 1;
    const files = ['settings', 'bomb', 'two-statements', 'time'].map((n) => file(`${n}.yaml`));
    const validate = await runCli(['validate', ...files]);
    expect(validate.code, validate.stderr).toBe(EXIT_CODES['invalid-config']);
    expect(validate.stderr).not.toMatch(/\n\s+at /);
    expect(validate.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${file('settings.yaml')}:${settingsLine}:\\d+: environment\\.postgres\\.settings\\.archive_command is set by drdrill and cannot be overridden: the backup methods archive WAL`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^${file('settings.yaml')}:${settingsLine}:\\d+: environment\\.postgres\\.settings\\.Port is set by drdrill`,
        ),
      ),
      `${file('bomb.yaml')}:5:8: too many alias expansions (*name), more than 100 in one document: refused as a resource exhaustion attack ("billion laughs"); write the values out`,
      expect.stringMatching(
        new RegExp(
          `^${file('two-statements.yaml')}:\\d+:\\d+: fault\\.sql must be one statement; it has 2: "DELETE FROM customers", "DROP DATABASE drdrill"$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^${file('time.yaml')}:\\d+:\\d+: recovery\\.target\\.value has month 13; months are 1 to 12$`),
      ),
    ]);
    // run validates every file before it starts anything: the same problems, nothing created.
    const out = join(dir, 'out');
    const run = await runCli(['run', ...files, '--out', out]);
    expect(run.code, run.stderr).toBe(EXIT_CODES['invalid-config']);
    const lines = (text: string) => text.trim().split('\n').sort();
    expect(lines(run.stderr)).toEqual(lines(validate.stderr));
    expect(existsSync(out)).toBe(false);
  });
});

describe('statements in a fault sql, as PostgreSQL lexes them', () => {
  it.each([
    ['DELETE FROM customers', 1],
    ['DELETE FROM customers;', 1],
    ['DELETE FROM customers; DROP DATABASE drdrill', 2],
    ["DELETE FROM customers WHERE note = 'a;b'", 1],
    ["DELETE FROM customers WHERE note = 'it''s; fine'", 1],
    ["DELETE FROM customers WHERE note = E'\\';' ; DROP DATABASE x", 2],
    ["DELETE FROM customers WHERE note = '\\'; DROP DATABASE x", 2],
    ['DELETE FROM "odd;name"', 1],
    ['DELETE FROM c WHERE x = $$;$$', 1],
    ['DELETE FROM c WHERE x = $t$ $$; $t$', 1],
    ['DELETE FROM c /* ; /* nested ; */ still ; */ -- ;\n', 1],
    ['DELETE FROM c -- trailing comment; DROP DATABASE x', 1],
    ['DELETE FROM c; -- only a comment after', 1],
    ['TRUNCATE a;\nDROP TABLE b;', 2],
  ])('%j has %i statement(s)', (sql, n) => {
    expect(sqlStatements(sql)).toHaveLength(n);
  });
});

describe('time targets PostgreSQL accepts', () => {
  it.each([
    '2026-05-01 12:00:00+02',
    '2026-05-01T10:00:00Z',
    '2026-05-01 12:00',
    '2026-05-01 12:00:00.123456-05:30',
    '2024-02-29 23:59:59 UTC',
    '2026-05-01 12:00 Europe/Berlin',
    '2026-05-01',
  ])('accepts %j', (text) => {
    expect(timestampProblem(text)).toBeUndefined();
  });

  it.each([
    ['2026-13-45 99:99', 'has month 13; months are 1 to 12'],
    ['2026-02-29 10:00', 'has day 29; 2026-02 has 28 days'],
    ['2026-04-31 10:00', 'has day 31; 2026-04 has 30 days'],
    ['2026-05-01 25:00', 'has hour 25; hours are 0 to 23'],
    ['2026-05-01 12:61', 'has minute 61; minutes are 0 to 59'],
    [
      '2026-05-01 12:00 Mars/Olympus',
      'has time zone "Mars/Olympus", which is neither an offset (+02, -05:30, Z) nor a known zone name',
    ],
    ['yesterday', 'is not a timestamp such as "2026-05-01 12:00:00+00"'],
  ])('refuses %j: %s', (text, why) => {
    expect(timestampProblem(text)).toBe(why);
  });
});

describe('keys that are not names', () => {
  it.each([
    ['a list', 'apiVersion: drdrill/v1\nkind: Drill\nmetadata: { name: k }\n[a, b]: 1\n'],
    ['a binary', 'apiVersion: drdrill/v1\nkind: Drill\nmetadata: { name: k }\n!!binary aGk=: 1\n'],
  ])('%s as a key is a positioned problem, not a warning on stderr', (_what, source) => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect(() => parseScenario(source, 'k.yaml')).toThrow(/^k\.yaml:4:\d+: a key must be a name/);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
