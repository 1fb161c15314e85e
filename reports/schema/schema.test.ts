import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import { JOURNAL_SCHEMA_VERSION, journalJsonSchema } from '../../harness/engine/journal.js';
import { scenarioSchema } from '../../harness/scenario/schema.js';
import { packageRoot } from '../../harness/util/paths.js';
import { FIXTURES, loadFixture, type FixtureName } from '../fixtures/index.js';

const schema = JSON.parse(
  readFileSync(join(packageRoot(), 'reports', 'schema', 'journal.v1.schema.json'), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

describe('published journal JSON Schema', () => {
  test('is generated from the journal definition the engine writes with', () => {
    expect(
      schema,
      'reports/schema/journal.v1.schema.json is stale: run "node bin/drdrill.js schema --journal --write reports/schema/journal.v1.schema.json"',
    ).toEqual(JSON.parse(JSON.stringify(journalJsonSchema())));
  });

  test('describes the current journal version', () => {
    expect((schema.properties as { schemaVersion: { const: number } }).schemaVersion.const).toBe(
      JOURNAL_SCHEMA_VERSION,
    );
  });

  test.each(Object.keys(FIXTURES) as FixtureName[])(
    'the %s fixture conforms to the schema and its scenario to the scenario schema',
    (name) => {
      const journal = loadFixture(name);
      expect(validate(journal), ajv.errorsText(validate.errors)).toBe(true);
      expect(scenarioSchema.safeParse(journal.scenario.parsed).success).toBe(true);
    },
  );

  test.each([
    [
      'an unknown verdict',
      (j: Record<string, unknown>) => {
        j.verdict = 'exploded';
      },
    ],
    [
      'a failed verdict without reason',
      (j: Record<string, unknown>) => {
        j.verdict = 'failed';
        delete j.reason;
      },
    ],
    [
      'a field the schema does not know',
      (j: Record<string, unknown>) => {
        j.surprise = true;
      },
    ],
    [
      'a failed check without message',
      (j: Record<string, unknown>) => {
        (j.checks as { status: string }[])[0]!.status = 'failed';
      },
    ],
    [
      'a malformed backup sha256',
      (j: Record<string, unknown>) => {
        (j.backups as { sha256: string }[])[0]!.sha256 = 'abc';
      },
    ],
  ])('rejects %s', (_what, mutate) => {
    const journal = loadFixture('passed') as unknown as Record<string, unknown>;
    mutate(journal);
    expect(validate(journal)).toBe(false);
  });
});
