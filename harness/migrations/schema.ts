import { z } from 'zod';
import { duration } from '../scenario/fields.js';
import {
  datasetSchema,
  environmentSchema,
  objectivesSchema,
  scenarioSchema,
  workloadSchema,
} from '../scenario/schema.js';
import { migrationProcedureSchema } from './procedures/index.js';

const instanceSchema = z.strictObject({
  version: z
    .string()
    .regex(/^\d+$/, 'a major version such as "15"')
    .optional()
    .describe('PostgreSQL major version of this instance; the environment must have it (default: its own)'),
  settings: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('postgresql.conf settings of this instance, after environment.postgres.settings'),
});

const verifySchema = z.strictObject({
  rowCounts: z.boolean().default(true).describe('row counts of every table, old vs new, at the cutover'),
  fingerprints: z.boolean().default(true).describe('content fingerprints of every table, old vs new, at the cutover'),
  sequences: z.boolean().default(true).describe("every sequence of the target at or ahead of the source's"),
  schemaDiff: z.boolean().default(true).describe('pg_dump -s of old and new are the same'),
  ledger: z.boolean().default(true).describe('every acknowledged write of the workload is present on the target'),
});

/**
 * `kind: Migration`: move the shop database from a source instance to a target instance while the workload
 * writes, with one of the migration procedures, then prove nothing was lost and measure the write downtime.
 */
export const migrationScenarioSchema = z.strictObject({
  apiVersion: z.literal('drdrill/v1'),
  kind: z.literal('Migration'),
  metadata: scenarioSchema.shape.metadata,
  objectives: objectivesSchema.default({}),
  deadline: duration.default('10m').describe('the whole migration drill times out after this'),
  environment: environmentSchema.default({
    kind: 'native',
    postgres: { settings: {} },
    objectStore: { kind: 'embedded' },
  }),
  source: instanceSchema.default({ settings: {} }).describe('the old database'),
  target: instanceSchema.default({ settings: {} }).describe('the new database (settings and version may differ)'),
  dataset: datasetSchema.default({ fixture: 'shop', scale: 1000, seed: 42 }),
  workload: workloadSchema
    .default({ ledger: { rate: 100 }, before: '3s', datasetWrites: true, after: '2s' })
    .describe('before: how long the writer runs on the source before the migration; after: on the target after it'),
  migration: migrationProcedureSchema,
  verify: verifySchema.default({
    rowCounts: true,
    fingerprints: true,
    sequences: true,
    schemaDiff: true,
    ledger: true,
  }),
});

export type MigrationScenario = z.infer<typeof migrationScenarioSchema>;
export type MigrationSpec = MigrationScenario['migration'];
export type MigrationVerify = MigrationScenario['verify'];
