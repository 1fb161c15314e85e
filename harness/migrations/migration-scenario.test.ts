import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../engine/exit-codes.js';
import { ofKind, parseScenario, ScenarioError } from '../scenario/load.js';
import { parseObjective } from '../scenario/objectives.js';
import { checkSemantics } from '../scenario/semantic-checks.js';
import { inlineScenarios, runCli, tempOutDir } from '../testing/run-cli.js';
import { sequencesBehind } from './sequences.js';

const base = `apiVersion: drdrill/v1
kind: Migration
metadata: { name: move }
`;

function problemsOf(source: string): string[] {
  try {
    checkSemantics(parseScenario(source, 'scenarios/m.yaml'));
  } catch (err) {
    if (err instanceof ScenarioError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('kind: Migration scenarios', () => {
  it('take the defaults: the shop dataset, the writer at 100 writes/s, every comparison on', () => {
    const { scenario } = ofKind(
      parseScenario(`${base}migration: { procedure: copy-then-verify }\n`, 'scenarios/m.yaml'),
      'Migration',
    );
    expect(scenario.migration).toEqual({ procedure: 'copy-then-verify', format: 'directory', jobs: 2, writes: 'stop' });
    expect(scenario.workload.ledger.rate).toBe(100);
    expect(scenario.dataset.fixture).toBe('shop');
    expect(scenario.verify).toEqual({
      rowCounts: true,
      fingerprints: true,
      sequences: true,
      schemaDiff: true,
      ledger: true,
    });
  });

  it('name the position of a misspelt procedure option (fault injection is never implied)', () => {
    expect(problemsOf(`${base}migration: { procedure: logical-replication, forgetSequences: true }\n`)).toEqual([
      'scenarios/m.yaml:4:46: migration.forgetSequences is not a known key; expected one of (see schema)',
    ]);
  });

  it('reject a logical replication from a source without wal_level = logical, and a skipped table the dataset lacks', () => {
    expect(
      problemsOf(
        `${base}source: { settings: { wal_level: replica } }\nmigration: { procedure: logical-replication }\n`,
      ),
    ).toEqual([
      'scenarios/m.yaml:5:12: migration needs wal_level = logical on the source, but the scenario sets it to "replica"',
    ]);
    expect(
      problemsOf(`${base}migration: { procedure: copy-then-verify, faultInjection: { skipTable: invoices } }\n`)[0],
    ).toMatch(/migration\.faultInjection\.skipTable "invoices" is not a table of the shop dataset/);
  });

  it('objectives on the migration measurements are times or counts, checked before the run', () => {
    expect(parseObjective('< 5s', 'migration.writeDowntimeSeconds')).toMatchObject({ ok: true, value: { value: 5 } });
    expect(parseObjective('= 0 rows', 'migration.divergentRows')).toMatchObject({ ok: true });
    expect(parseObjective('= 0 rows', 'migration.lagAtCutoverSeconds')).toMatchObject({ ok: false });
  });

  it('a sequence is behind when the target never used it or holds a smaller value', () => {
    expect(sequencesBehind({ a: '10', b: '5', c: null, d: '7' }, { a: '10', b: '4', c: null, d: null })).toEqual([
      { name: 'b', source: '5', target: '4' },
      { name: 'd', source: '7', target: null },
    ]);
  });

  it('a target of a PostgreSQL major the host does not have stops before anything starts (exit 3), saying what to install', async () => {
    const dir = inlineScenarios({
      'm.yaml': `${base}target: { version: "99" }\nmigration: { procedure: logical-replication }\n`,
    });
    const r = await runCli(['run', `${dir}/m.yaml`, '--out', tempOutDir()]);
    expect(r.code, r.stderr).toBe(EXIT_CODES['missing-prerequisite']);
    expect(r.stderr).toMatch(/target\.version is "99" but this host has PostgreSQL 15 .*install postgresql-99/);
  });
});
