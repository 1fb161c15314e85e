import { z } from 'zod';
import { backupSchema } from '../backups/index.js';
import { faultSchema } from '../faults/index.js';
import { recoverySchema } from '../recoveries/index.js';
import { detectSpec } from '../detection/spec.js';
import { duration, identifier, objectKeyPrefix, secretRef, sqlIdentifier } from './fields.js';
import { parseObjective } from './objectives.js';
import { dumpFormatSpec } from '../restore-tests/formats/dump.js';
import { selectSchema } from '../restore-tests/select-spec.js';
import { compareWithSpec, sqlAssertionSpec } from '../verification/user-check-specs.js';

export { backupSchema, faultSchema, recoverySchema };
export type { BackupMethod, BackupSpec } from '../backups/index.js';
export type { FaultSpec, FaultType } from '../faults/index.js';
export type { RecoveryProcedure, RecoverySpec } from '../recoveries/index.js';
export type { RecoveryTarget } from '../recoveries/target.js';
export { parseDuration } from './fields.js';

export const ENVIRONMENT_KINDS = ['native', 'testcontainers', 'kubernetes'] as const;

export const objectivesSchema = z
  .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
  .superRefine((objectives, ctx) => {
    for (const [key, exprs] of Object.entries(objectives)) {
      const list = Array.isArray(exprs) ? exprs : [exprs];
      list.forEach((text, i) => {
        const parsed = parseObjective(text, key);
        if (!parsed.ok)
          ctx.addIssue({ code: 'custom', message: parsed.error, path: Array.isArray(exprs) ? [key, i] : [key] });
      });
    }
  })
  .describe(
    'Thresholds on measurements, e.g. { rto: "< 120s", rpo: "= 0 rows" }. Keys: rto, rpo or a measurement path such as rto.verifiedSeconds.',
  );

const embeddedStore = z.strictObject({ kind: z.literal('embedded'), tls: z.boolean().optional() });
/** An external S3 bucket; also the source of a restore test (harness/restore-tests/schema.ts). */
export const s3StoreSchema = z.strictObject({
  kind: z.literal('s3'),
  endpoint: z.string().url().optional(),
  bucket: z.string().min(3),
  prefix: objectKeyPrefix
    .optional()
    .describe("drdrill writes under <prefix>/drdrill/<drill>/<runId>/ and damages nothing outside its run's prefix"),
  region: z.string().default('us-east-1'),
  forcePathStyle: z.boolean().default(true),
  accessKeyId: secretRef,
  secretAccessKey: secretRef,
});
export const objectStoreSchema = z.discriminatedUnion('kind', [embeddedStore, s3StoreSchema]);

const volumeSchema = z.strictObject({
  sizeMB: z.number().int().min(48).describe('size-limited volume for the data directory'),
  walSizeMB: z.number().int().min(16).optional().describe('put pg_wal on its own size-limited volume'),
});

const standbySchema = z.strictObject({
  count: z.number().int().min(1).max(3).default(1),
  synchronous: z.boolean().default(false),
});

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a DNS label: lower-case letters, digits and "-", at most 63');
const kubernetesSchema = z.strictObject({
  context: z
    .string()
    .min(1)
    .optional()
    .describe('kubeconfig context; default: DRDRILL_KUBE_CONTEXT, else the current one'),
  namespacePrefix: dnsLabel.max(40).default('drdrill').describe('each drill runs in a new namespace <prefix>-<runId>'),
  namespace: dnsLabel
    .optional()
    .describe(
      'run in this existing namespace instead (a ServiceAccount limited to it); only labelled objects are deleted',
    ),
  storageClass: z.string().min(1).optional().describe('StorageClass of the PVCs; default: the cluster default'),
  snapshotClass: z.string().min(1).optional().describe('VolumeSnapshotClass; default: the class annotated as default'),
  images: z
    .strictObject({
      postgres: z
        .string()
        .optional()
        .describe(
          'image of PostgreSQL pods (PostgreSQL tools and node); default: DRDRILL_IMAGE, else drdrill/drdrill:<version>',
        ),
      objectStore: z.string().optional().describe('MinIO image; default: a pinned minio/minio release'),
    })
    .optional(),
});

export const environmentSchema = z.strictObject({
  kind: z.enum(ENVIRONMENT_KINDS).default('native'),
  postgres: z
    .strictObject({
      version: z.string().regex(/^\d+$/, 'a major version such as "15"').optional(),
      settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      volume: volumeSchema.optional(),
      standby: standbySchema.optional(),
    })
    .default({ settings: {} }),
  objectStore: objectStoreSchema.default({ kind: 'embedded' }),
  images: z
    .strictObject({
      postgres: z
        .string()
        .optional()
        .describe(
          'PostgreSQL image (testcontainers); default: DRDRILL_POSTGRES_IMAGE, a local build, else postgres:<version>',
        ),
      objectStore: z
        .string()
        .optional()
        .describe(
          'MinIO-compatible image (testcontainers); default: DRDRILL_OBJECT_STORE_IMAGE, a local build, else a pinned minio/minio release',
        ),
    })
    .optional(),
  kubernetes: kubernetesSchema.optional(),
});

/** A pg_dump of the user's own database from their bucket: the newest (or selected) of a restore-test source. */
const datasetDumpSource = z.strictObject({
  objectStore: s3StoreSchema,
  format: dumpFormatSpec.default({ type: 'dump', match: '\\.(sql\\.gz|sql|dump|pgdump|backup)$' }),
  select: selectSchema,
});

export const datasetSchema = z
  .strictObject({
    fixture: z
      .enum(['shop'])
      .optional()
      .describe('the built-in shop dataset (the default when no other source is given)'),
    sql: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("the user's schema and data: SQL files run in order with psql, relative to the scenario file"),
    dump: z
      .union([z.string().min(1), z.strictObject({ source: datasetDumpSource })])
      .optional()
      .describe(
        "a pg_dump of the user's own database: a file (custom or plain, .gz too), or { source } to take the newest from their bucket",
      ),
    pgbench: z
      .strictObject({ scale: z.number().int().min(1).max(10_000).default(1) })
      .optional()
      .describe('pgbench -i at this scale: pgbench_accounts holds 100,000 rows per scale'),
    scale: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(1000)
      .describe('shop: number of customers; other tables scale with it'),
    seed: z.number().int().default(42),
  })
  .superRefine((d, ctx) => {
    const given = (['fixture', 'sql', 'dump', 'pgbench'] as const).filter((k) => d[k] !== undefined);
    if (given.length > 1)
      ctx.addIssue({
        code: 'custom',
        message: `gives ${given.join(' and ')}; a dataset has one source`,
        path: [given[1]!],
      });
  });

/** One of the user's own writes: one statement, run with the ledger row in the same transaction. */
export const workloadStatementSchema = z.strictObject({
  sql: z
    .string()
    .regex(/^\s*(INSERT|UPDATE)\b[\s\S]*\bRETURNING\b/i, 'an INSERT or UPDATE with a RETURNING clause')
    .describe(
      "e.g. INSERT INTO events(kind, payload) VALUES ('drill', $seq) RETURNING id, payload; $seq is the write's number",
    ),
  table: sqlIdentifier.describe('the table it writes'),
  key: z.string().min(1).describe('the key column of the row it writes (in RETURNING)'),
  witness: z
    .string()
    .min(1)
    .optional()
    .describe(
      "a column only this write's row has (e.g. one holding $seq), in RETURNING: keys are reused after a restore",
    ),
  sets: z.string().min(1).optional().describe('UPDATE: the column whose new value proves the write (in RETURNING)'),
  weight: z.number().int().min(1).default(1).describe('how often it runs relative to the others'),
});

export const workloadSchema = z.strictObject({
  ledger: z
    .strictObject({
      rate: z
        .union([z.number().positive().max(100_000), z.literal('max')])
        .default(100)
        .describe('commits per second, or "max"'),
    })
    .default({ rate: 100 }),
  before: duration.default('3s').describe('how long the workload runs before the fault'),
  datasetWrites: z
    .boolean()
    .default(true)
    .describe(
      "each write also changes the dataset (the fixture's own writes: new orders, status updates), not only the ledger",
    ),
  statements: z
    .array(workloadStatementSchema)
    .min(1)
    .optional()
    .describe("the user's own writes, instead of the fixture's; RPO is counted per table of their schema"),
  after: duration
    .default('2s')
    .describe('how long the workload keeps running on the recovered primary before verification'),
});

export const verifyStepSchema = z.union(
  [
    z.strictObject({ rowCounts: z.literal('baseline') }),
    z.strictObject({ fingerprint: z.array(sqlIdentifier).min(1) }),
    z.strictObject({ sequences: z.literal(true) }),
    z.strictObject({ schemaDiff: z.literal(true) }),
    z.strictObject({ amcheck: z.literal(true) }),
    sqlAssertionSpec,
    compareWithSpec,
    z.strictObject({
      archive: z
        .literal('complete')
        .describe(
          'a restore of the newest base backup with the whole WAL archive reaches the newest acknowledged write',
        ),
    }),
    z.strictObject({
      ledger: z
        .enum(['complete', 'until-target'])
        .describe(
          'complete: every acknowledged write is present; until-target: every write committed before the recovery point (PITR target, end of the replayed WAL, the dump) is present',
        ),
    }),
  ],
  {
    error:
      'must be one of { rowCounts: baseline }, { fingerprint: [tables] }, { sequences: true }, { schemaDiff: true }, { amcheck: true }, { archive: complete }, { ledger: complete | until-target }, { sql, expect }, { compareWith: { env }, tables }',
  },
);

// Audit record (optional), carried into the journal's `audit` block and every report.
export const runbookSchema = z
  .strictObject({
    url: z.string().min(1).optional().describe('URL of the runbook followed'),
    path: z.string().min(1).optional().describe('path of the runbook followed, e.g. docs/runbooks/pitr.md'),
    version: z.string().min(1).optional().describe('its version, tag or commit sha'),
  })
  .refine((r) => r.url !== undefined || r.path !== undefined, { message: 'must have a url or a path' })
  .describe('the runbook (recovery procedure document) this drill follows');

/** Every kind of scenario has this metadata. */
export const metadataSchema = z.strictObject({
  name: identifier,
  description: z.string().default(''),
  tags: z.array(identifier).default([]),
  owner: z.string().min(1).optional().describe('who owns the system this drill protects (team or person)'),
  runbook: runbookSchema.optional(),
  rationale: z.string().min(1).optional().describe('the threat this drill rehearses, in words an auditor reads'),
});

export const scenarioSchema = z.strictObject({
  apiVersion: z.literal('drdrill/v1'),
  kind: z.literal('Drill'),
  metadata: metadataSchema,
  objectives: objectivesSchema.default({}),
  deadline: duration.default('10m').describe('the whole drill times out after this'),
  environment: environmentSchema.default({
    kind: 'native',
    postgres: { settings: {} },
    objectStore: { kind: 'embedded' },
  }),
  dataset: datasetSchema.default({ scale: 1000, seed: 42 }),
  workload: workloadSchema.default({ ledger: { rate: 100 }, before: '3s', datasetWrites: true, after: '2s' }),
  backup: z.array(backupSchema).default([]),
  fault: faultSchema.optional(),
  detect: detectSpec.optional(),
  recovery: recoverySchema.default({ procedure: 'none' }),
  verify: z.array(verifyStepSchema).default([{ rowCounts: 'baseline' }]),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type DatasetSpec = z.infer<typeof datasetSchema>;
export type WorkloadStatement = z.infer<typeof workloadStatementSchema>;
export type VerifyStep = z.infer<typeof verifyStepSchema>;
export type Runbook = z.infer<typeof runbookSchema>;
export type ObjectStoreSpec = z.infer<typeof objectStoreSchema>;
export type EnvironmentSpec = z.infer<typeof environmentSchema>;
export type EnvironmentKind = EnvironmentSpec['kind'];
