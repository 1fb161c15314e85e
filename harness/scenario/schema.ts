import { z } from 'zod';
import { parseObjective } from './objectives.js';

/** Every fault the engine knows. Each has one module in harness/faults/. */
export const FAULT_TYPES = ['accidental-delete', 'corruption', 'disk-full', 'cluster-loss', 'primary-failure'] as const;
/** Every recovery procedure. Each has one module in harness/recoveries/. */
export const RECOVERY_PROCEDURES = [
  'none',
  'pitr',
  'undelete',
  'restore-dump',
  'rebuild-from-object-store',
  'grow-volume',
  'promote-standby',
] as const;
/** Every backup method. Each has one module in harness/backups/. */
export const BACKUP_METHODS = ['basebackup', 'dump', 'pgbackrest'] as const;
export const ENVIRONMENT_KINDS = ['native', 'testcontainers', 'kubernetes'] as const;

const identifier = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a lower-case name of letters, digits and "-"');
const sqlIdentifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a table name');
const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "30s", "500ms" or "5m"');

/** A secret is never written into a scenario: it names the environment variable that holds it. */
export const secretRef = z.strictObject({
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
});

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
const s3Store = z.strictObject({
  kind: z.literal('s3'),
  endpoint: z.string().url().optional(),
  bucket: z.string().min(3),
  prefix: z.string().optional(),
  region: z.string().default('us-east-1'),
  forcePathStyle: z.boolean().default(true),
  accessKeyId: secretRef,
  secretAccessKey: secretRef,
});
export const objectStoreSchema = z.discriminatedUnion('kind', [embeddedStore, s3Store]);

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

export const datasetSchema = z.strictObject({
  fixture: z.enum(['shop']).default('shop'),
  scale: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(1000)
    .describe('number of customers; other tables scale with it'),
  seed: z.number().int().default(42),
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
  after: duration
    .default('2s')
    .describe('how long the workload keeps running on the recovered primary before verification'),
});

const basebackupSchema = z.strictObject({
  method: z.literal('basebackup'),
  archiveWal: z.boolean().default(true),
  count: z.number().int().min(1).max(5).default(1).describe('how many base backups to take, oldest first'),
});
const dumpSchema = z.strictObject({
  method: z.literal('dump'),
  formats: z
    .array(z.enum(['custom', 'plain-gzip']))
    .min(1)
    .default(['custom']),
});
const pgbackrestSchema = z.strictObject({
  method: z.literal('pgbackrest'),
  type: z.enum(['full', 'diff', 'incr']).default('full'),
});
export const backupSchema = z.discriminatedUnion('method', [basebackupSchema, dumpSchema, pgbackrestSchema]);

const archiveDamage = {
  removeWalSegment: z
    .boolean()
    .default(false)
    .describe('also delete a WAL segment after the newest base backup from the archive'),
  tamperNewestBackup: z
    .boolean()
    .default(false)
    .describe('also change bytes of the newest base backup in the object store'),
};
const accidentalDelete = z.strictObject({
  type: z.literal('accidental-delete'),
  sql: z.string().regex(/^\s*(DELETE|DROP\s+TABLE|TRUNCATE)\b/i, 'a DELETE, DROP TABLE or TRUNCATE statement'),
  ...archiveDamage,
});
const corruption = z.strictObject({
  type: z.literal('corruption'),
  table: sqlIdentifier,
  target: z.enum(['heap', 'index', 'segment']).default('heap'),
  bytes: z.number().int().min(1).max(8192).default(16),
  pages: z.number().int().min(1).max(64).default(1),
  corruptNewestBackup: z
    .boolean()
    .default(false)
    .describe('also tamper with the newest base backup in the object store'),
});
const diskFull = z.strictObject({
  type: z.literal('disk-full'),
  target: z.enum(['data', 'wal']).default('data'),
  growToMB: z.number().int().min(64).optional(),
});
const clusterLoss = z.strictObject({ type: z.literal('cluster-loss') });
const primaryFailure = z.strictObject({
  type: z.literal('primary-failure'),
  signal: z.enum(['SIGKILL', 'SIGQUIT']).default('SIGKILL'),
});
export const faultSchema = z.discriminatedUnion('type', [
  accidentalDelete,
  corruption,
  diskFull,
  clusterLoss,
  primaryFailure,
]);

export const recoveryTargetSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('before-fault') }),
  z.strictObject({ type: z.literal('find-in-wal'), table: sqlIdentifier.optional() }),
  z.strictObject({ type: z.literal('time'), value: z.string() }),
  z.strictObject({ type: z.literal('xid'), value: z.string().regex(/^\d+$/, 'a transaction id (digits only)') }),
  z.strictObject({
    type: z.literal('lsn'),
    value: z.string().regex(/^[0-9A-Fa-f]+\/[0-9A-Fa-f]+$/, 'an LSN such as 0/3000060'),
  }),
  z.strictObject({ type: z.literal('name'), value: z.string().min(1) }),
  z.strictObject({ type: z.literal('immediate') }),
  z.strictObject({ type: z.literal('end-of-archive') }),
]);

export const recoverySchema = z.strictObject({
  procedure: z.enum(RECOVERY_PROCEDURES),
  target: recoveryTargetSchema.optional(),
  from: z.enum(['basebackup', 'dump', 'pgbackrest']).optional().describe('which backup method to restore from'),
  prefetch: z.number().int().min(0).max(32).default(4).describe('WAL segments fetched ahead in parallel'),
  rewindOldPrimary: z.boolean().default(false),
  tables: z
    .array(sqlIdentifier)
    .min(1)
    .optional()
    .describe('restore-dump: restore only these tables (pg_restore --table)'),
  schemas: z
    .array(sqlIdentifier)
    .min(1)
    .optional()
    .describe('restore-dump: restore only these schemas (pg_restore --schema)'),
});

export const verifyStepSchema = z.union(
  [
    z.strictObject({ rowCounts: z.literal('baseline') }),
    z.strictObject({ fingerprint: z.array(sqlIdentifier).min(1) }),
    z.strictObject({ sequences: z.literal(true) }),
    z.strictObject({ schemaDiff: z.literal(true) }),
    z.strictObject({ amcheck: z.literal(true) }),
    z.strictObject({ ledger: z.enum(['complete', 'until-target']) }),
  ],
  {
    error:
      'must be one of { rowCounts: baseline }, { fingerprint: [tables] }, { sequences: true }, { schemaDiff: true }, { amcheck: true }, { ledger: complete | until-target }',
  },
);

export const scenarioSchema = z.strictObject({
  apiVersion: z.literal('drdrill/v1'),
  kind: z.literal('Drill'),
  metadata: z.strictObject({
    name: identifier,
    description: z.string().default(''),
    tags: z.array(identifier).default([]),
  }),
  objectives: objectivesSchema.default({}),
  deadline: duration.default('10m').describe('the whole drill times out after this'),
  environment: environmentSchema.default({
    kind: 'native',
    postgres: { settings: {} },
    objectStore: { kind: 'embedded' },
  }),
  dataset: datasetSchema.default({ fixture: 'shop', scale: 1000, seed: 42 }),
  workload: workloadSchema.default({ ledger: { rate: 100 }, before: '3s', after: '2s' }),
  backup: z.array(backupSchema).default([]),
  fault: faultSchema.optional(),
  recovery: recoverySchema.default({ procedure: 'none', prefetch: 4, rewindOldPrimary: false }),
  verify: z.array(verifyStepSchema).default([{ rowCounts: 'baseline' }]),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type FaultSpec = z.infer<typeof faultSchema>;
export type FaultType = FaultSpec['type'];
export type BackupSpec = z.infer<typeof backupSchema>;
export type BackupMethod = BackupSpec['method'];
export type RecoverySpec = z.infer<typeof recoverySchema>;
export type RecoveryProcedure = RecoverySpec['procedure'];
export type RecoveryTarget = z.infer<typeof recoveryTargetSchema>;
export type VerifyStep = z.infer<typeof verifyStepSchema>;
export type ObjectStoreSpec = z.infer<typeof objectStoreSchema>;
export type EnvironmentSpec = z.infer<typeof environmentSchema>;
export type EnvironmentKind = EnvironmentSpec['kind'];

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * factor;
}
