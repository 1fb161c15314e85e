import { z } from 'zod';
import { duration, secretRef } from '../scenario/fields.js';
import { environmentSchema, metadataSchema, objectivesSchema, s3StoreSchema } from '../scenario/schema.js';
import { compareWithSpec, sqlAssertionSpec } from '../verification/user-check-specs.js';
import { formatSchema } from './formats/index.js';
import { selectSchema } from './select-spec.js';

export { selectSchema };

/** Where replay stops for PITR formats; default the end of the archive (the newest archived WAL). */
export const restoreTargetSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('end-of-archive') }),
  z.strictObject({ type: z.literal('immediate') }),
  z.strictObject({ type: z.literal('time'), value: z.string().min(1) }),
  z.strictObject({ type: z.literal('xid'), value: z.string().regex(/^\d+$/, 'a transaction id (digits only)') }),
  z.strictObject({
    type: z.literal('lsn'),
    value: z.string().regex(/^[0-9A-Fa-f]+\/[0-9A-Fa-f]+$/, 'an LSN such as 0/3000060'),
  }),
  z.strictObject({ type: z.literal('name'), value: z.string().min(1) }),
]);

export const sourceSchema = z.strictObject({
  objectStore: s3StoreSchema.describe('the bucket holding the backups; only read, never written'),
  format: formatSchema,
  select: selectSchema,
});

export const restoreVerifyStepSchema = z.union(
  [
    sqlAssertionSpec,
    compareWithSpec,
    z.strictObject({ amcheck: z.literal(true), database: z.string().min(1).optional() }),
    z.strictObject({
      schemaDiff: z.union([
        z.strictObject({ file: z.string().min(1).describe('a committed pg_dump -s of the expected schema') }),
        z.strictObject({ reference: secretRef.describe('DSN of a database with the expected schema (read-only)') }),
      ]),
      database: z.string().min(1).optional(),
    }),
  ],
  {
    error:
      'must be one of { sql, expect }, { compareWith: { env }, tables }, { amcheck: true }, { schemaDiff: { file } | { reference: { env } } }',
  },
);

/** `kind: RestoreTest`: restore one of the user's own backups into a scratch instance, verify and time it. */
export const restoreTestSchema = z.strictObject({
  apiVersion: z.literal('drdrill/v1'),
  kind: z.literal('RestoreTest'),
  metadata: metadataSchema,
  objectives: objectivesSchema.default({}),
  deadline: duration.default('1h').describe('the whole restore test times out after this'),
  environment: environmentSchema
    .default({ kind: 'native', postgres: { settings: {} }, objectStore: { kind: 'embedded' } })
    .describe('where the scratch instance runs'),
  source: sourceSchema,
  target: restoreTargetSchema
    .default({ type: 'end-of-archive' })
    .describe('PITR formats: where replay stops (default: the end of the archive)'),
  database: z
    .string()
    .min(1)
    .default('postgres')
    .describe('the database the checks read (a single-database dump is restored into it)'),
  verify: z.array(restoreVerifyStepSchema).default([]),
});

export type RestoreTestSpec = z.output<typeof restoreTestSchema>;
export type RestoreVerifyStep = z.output<typeof restoreVerifyStepSchema>;
export type RestoreTarget = z.output<typeof restoreTargetSchema>;
export type SourceSelect = z.output<typeof selectSchema>;
