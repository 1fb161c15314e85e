import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../util/paths.js';
import { parseScenario, ScenarioError } from './load.js';
import { scenarioJsonSchema } from './json-schema.js';
import { checkSemantics } from './semantic-checks.js';

const valid = `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ok }
objectives: { rto: "< 120s", rpo: "= 0 rows" }
`;

function problemsOf(source: string): string[] {
  try {
    parseScenario(source, 'scenarios/x.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario validation', () => {
  it('accepts a minimal scenario and keeps the objectives source text', () => {
    const loaded = parseScenario(valid, 'scenarios/x.yaml');
    expect(loaded.objectives.map((o) => [o.metric, o.comparator, o.value, o.source])).toEqual([
      ['rto.serviceSeconds', '<', 120, '< 120s'],
      ['rpo.lostAckedWrites', '=', 0, '= 0 rows'],
    ]);
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names file:line:col, the path and the known keys for a misspelt key', () => {
    const problems = problemsOf(valid + 'environment:\n  kind: native\n  postgress: { version: "15" }\n');
    expect(problems).toEqual([
      'scenarios/x.yaml:7:3: environment.postgress is not a known key; expected one of "kind", "postgres", "objectStore", "images", "kubernetes"',
    ]);
  });

  it('names file:line:col, the path and the expected type for a wrong type', () => {
    expect(problemsOf(valid + 'dataset: { fixture: shop, scale: "ten" }\n')).toEqual([
      'scenarios/x.yaml:5:34: dataset.scale must be a number, got string',
    ]);
  });

  it('lists the fault types when fault.type is unknown', () => {
    const [p] = problemsOf(valid + 'fault:\n  type: accidental-deletion\n  sql: DELETE FROM customers\n');
    expect(p).toBe(
      'scenarios/x.yaml:6:9: fault.type must be one of "accidental-delete", "corruption", "disk-full", "cluster-loss", "primary-failure", "archive-failure", "sql"',
    );
  });

  it('rejects objectives whose unit does not fit the measurement, before anything runs', () => {
    const problems = problemsOf(valid.replace('"< 120s"', '"< 12 rows"'));
    expect(problems).toEqual([
      'scenarios/x.yaml:4:20: objectives.rto "< 12 rows" gives a count but rto.serviceSeconds is a time',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf('apiVersion: drdrill/v1\nkind: Drill\nmetadata: {name: x\n')[0]).toMatch(
      /^scenarios\/x\.yaml:\d+:\d+: /,
    );
  });

  it('reports every problem, not only the first', () => {
    expect(problemsOf(valid + 'workload:\n  ledger: { rate: -1 }\nverify:\n  - rowCount: baseline\n')).toHaveLength(2);
  });

  it('validates every shipped scenario', () => {
    const dir = join(packageRoot(), 'scenarios');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    expect(files).toContain(join('migrations', 'negative', 'copy-skips-a-table.yaml'));
    for (const f of files)
      expect(() => checkSemantics(parseScenario(readFileSync(join(dir, f), 'utf8'), f)), f).not.toThrow();
  });

  it('ships a JSON Schema generated from the same definition', () => {
    const shipped: unknown = JSON.parse(
      readFileSync(join(packageRoot(), 'scenarios', 'schema', 'drill.v1.schema.json'), 'utf8'),
    );
    expect(
      shipped,
      'scenarios/schema/drill.v1.schema.json is stale: run "node bin/drdrill.js schema --write scenarios/schema/drill.v1.schema.json"',
    ).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
    const drill = (shipped as { oneOf: { properties: { kind: { const: string } } & object }[] }).oneOf.find(
      (o) => o.properties.kind.const === 'Drill',
    );
    expect(Object.keys(drill!.properties)).toContain('fault');
  });
});
