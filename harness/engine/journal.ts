import { z } from 'zod';
import type { AnyScenario } from '../scenario/kinds.js';

/**
 * The journal: one JSON document per drill, the single source every report is rendered from. Its types are
 * inferred from this zod definition and its published JSON Schema (reports/schema/journal.v1.schema.json) is
 * generated from it, so the three cannot drift apart.
 */

/** Bump when a field changes meaning or is removed; adding optional fields keeps the version. */
export const JOURNAL_SCHEMA_VERSION = 1;

export const VERDICTS = ['passed', 'failed', 'error', 'interrupted', 'timedout', 'skipped'] as const;
export const PHASE_STATUSES = ['passed', 'failed', 'error', 'skipped', 'interrupted', 'timedout'] as const;
export const CHECK_STATUSES = ['passed', 'failed', 'error', 'skipped'] as const;
export const PHASE_NAMES = [
  'provision',
  'seed',
  'baseline',
  'backup',
  'workload',
  'inject',
  'detect',
  'recover',
  // Restore tests (kind: RestoreTest); drills never run them, so the order of drill phases is unchanged.
  'list',
  'fetch',
  'integrity',
  'restore',
  'replay',
  'verify',
  'copy',
  'dual-write',
  'sync',
  'cutover',
  'fence',
  'compare',
  'teardown',
] as const;

const time = z.iso.datetime({ offset: true }).describe('ISO 8601 UTC');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');
const seconds = z.number().min(0);
const count = z.number().int().min(0);

const phaseSchema = z.strictObject({
  name: z.enum(PHASE_NAMES),
  start: time,
  end: time,
  seconds: seconds.describe('measured with the monotonic clock'),
  status: z.enum(PHASE_STATUSES),
  error: z.string().optional(),
});

const eventSchema = z.strictObject({
  time,
  t: z.number().describe('seconds since the drill started, monotonic'),
  kind: z.string().describe('e.g. seed, backup, workload, fault, recovered, service, verified, check'),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const evidenceSchema = z.looseObject({
  query: z.string().optional(),
  command: z.string().optional(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  output: z.string().optional(),
});

const checkSchema = z.strictObject({
  name: z.string(),
  status: z.enum(CHECK_STATUSES),
  message: z.string().optional().describe('short reason; required when the check did not pass'),
  phase: z.enum(PHASE_NAMES).optional().describe('the phase that recorded the check'),
  covers: z
    .array(z.string())
    .optional()
    .describe('what the check verified: table names, "ledger"; only verify-phase data checks cover damage'),
  evidence: evidenceSchema,
});

const objectiveSchema = z.strictObject({
  source: z.string(),
  metric: z.string(),
  comparator: z.enum(['<', '<=', '=', '>=', '>', '!=']),
  threshold: z.number(),
  actual: z.number().nullable(),
  status: z.enum(['met', 'missed', 'not-measured']),
});

const outageSchema = z.strictObject({
  from: time.describe('the first failed write after the fault'),
  to: time.nullable().describe('the first acknowledged write after the last failure; null if writes never resumed'),
  seconds: seconds.nullable(),
  failedWrites: count,
  error: z.string().describe('the first error the writer saw'),
});

const rtoSchema = z.strictObject({
  serviceSeconds: seconds
    .optional()
    .describe('from the fault to the first acknowledged write after a write outage; 0 when writes never stopped'),
  outage: z
    .union([z.literal('none'), outageSchema])
    .optional()
    .describe('"none" when no write failed after the fault'),
  dataRestoredSeconds: seconds.optional().describe('from the fault to the damaged data being back and checked'),
  verifiedSeconds: seconds.optional().describe('from the fault to every data check done'),
  phases: z
    .array(
      z.strictObject({
        name: z.string(),
        seconds,
        start: time.optional(),
        end: time.optional(),
      }),
    )
    .optional()
    .describe('contiguous steps from the fault to data verified'),
});

const tableLossSchema = z.strictObject({
  acked: count.describe('acknowledged writes that changed this table'),
  lost: count.describe('of those, writes whose change is missing after recovery'),
  lostBeforeTarget: count.optional(),
});

const rpoSchema = z.strictObject({
  lostAckedWrites: count.optional().describe('acknowledged writes (any table) with a change missing after recovery'),
  lostSeconds: seconds
    .optional()
    .describe('from the last surviving acknowledged write before the loss to the last lost one'),
  firstLostSeq: z.number().int().optional(),
  lastLostSeq: z.number().int().optional(),
  lostBeforeTarget: count.optional().describe('lost writes committed before the recovery point: the procedure failed'),
  discardedAfterTarget: count.optional().describe('lost writes committed after the recovery point'),
  recoveryPoint: z
    .strictObject({
      lsn: z.string().optional(),
      description: z.string(),
      tables: z.array(z.string()).optional(),
    })
    .optional()
    .describe('what the recovery promised to keep: writes committed before this point'),
  tables: z.record(z.string(), tableLossSchema).optional().describe('per table, ledger included (drdrill_ledger)'),
});

const ledgerSchema = z.strictObject({
  acked: count,
  failedAttempts: count,
  ambiguous: count,
  firstAckAt: time.optional(),
  lastAckAt: time.optional(),
  perSecond: z.array(z.tuple([z.number().int(), count])).describe('[unix seconds, acknowledged writes in that second]'),
  outages: z.array(
    z.strictObject({
      from: time,
      to: time.nullable(),
      seconds: z.number().nullable(),
      error: z.string(),
    }),
  ),
});

const detectionSchema = z.strictObject({
  alert: z.string(),
  rules: z.string().describe('the rules file the alert came from'),
  expression: z.string().describe("the alert's expression as the drill's Prometheus evaluated it"),
  within: z.string().describe('the alert had to fire this long after the fault at the latest'),
  faultAt: time.describe('the fault, on the wall clock Prometheus stamps evaluations with'),
  pendingAt: time.optional().describe('activeAt of the alert: the evaluation at which its expression became true'),
  pendingSeconds: z
    .number()
    .optional()
    .describe('from the fault to the alert pending; negative when the expression was true before the fault'),
  firingAt: time.optional().describe('the first evaluation at which the alert was firing (its ALERTS series)'),
  firingSeconds: z.number().optional().describe("from the fault to the alert firing: pending + the drill's `for`"),
  for: z.strictObject({
    rule: z.string().describe("the rule's own `for`"),
    drill: z.string().describe("the `for` of the drill's copy"),
    shortened: z.boolean(),
  }),
  projectedFiringSeconds: z
    .number()
    .optional()
    .describe("when the drill shortened `for`: pending + the rule's own `for`, when the unchanged rule would fire"),
  changes: z.array(z.string()).describe("what the drill's copy of the rules changed, in words"),
  evaluationIntervalSeconds: z.number().positive(),
});

const exposureSchema = z.strictObject({
  samples: z.array(
    z.strictObject({
      at: time,
      t: z.number().describe('seconds since the fault'),
      unarchivedWrites: count.describe('acknowledged writes whose WAL segment was not in the archive yet'),
      oldestSeconds: seconds.describe('age of the oldest of them'),
      readySegments: count.describe('WAL segments waiting for archive_command (archive_status/*.ready)'),
      lastArchivedWal: z.string().nullable(),
      failedCount: count.describe('pg_stat_archiver.failed_count'),
    }),
  ),
  maxUnarchivedWrites: count,
  maxOldestSeconds: seconds,
});

const migrationSideSchema = z.strictObject({
  version: z.string(),
  versionNum: z.number().int(),
  settings: z.record(z.string(), z.string()).describe('settings from the configuration files'),
});

const migrationSchema = z
  .strictObject({
    procedure: z.string(),
    title: z.string(),
    source: migrationSideSchema.optional(),
    target: migrationSideSchema.optional(),
    writeDowntimeSeconds: seconds
      .optional()
      .describe('from the last write acknowledged before the switch to the first one the target acknowledged alone'),
    freezeSeconds: seconds.optional().describe('how long the procedure held or refused writes for its switch'),
    lagAtCutoverSeconds: seconds
      .optional()
      .describe('logical replication: from the last write the source acknowledged to the target holding it'),
    lagAtCutoverBytes: count.optional().describe('WAL the subscription had not confirmed when writes were frozen'),
    copy: z
      .strictObject({
        tool: z.string(),
        format: z.string().optional(),
        jobs: z.number().int().optional(),
        seconds,
        bytes: count.describe('size of the source database when the copy started'),
        rows: count.describe('rows on the target when the copy finished'),
        bytesPerSecond: count,
        rowsPerSecond: count,
        skippedTableData: z.array(z.string()).optional().describe('fault injection: tables whose rows were left out'),
      })
      .optional(),
    cutover: z
      .strictObject({
        lastSourceWrite: z.strictObject({ seq: z.number().int(), at: time }).nullable(),
        firstTargetWrite: z.strictObject({ seq: z.number().int(), at: time }),
        freezeFrom: time.optional(),
        freezeTo: time.optional(),
        failedWrites: count,
      })
      .optional(),
    backfill: z
      .record(z.string(), count)
      .optional()
      .describe('dual-write: rows written to the source alone during the copy, brought over'),
    sync: z.strictObject({ divergentRows: z.record(z.string(), count) }).optional(),
    divergence: z
      .record(
        z.string(),
        z.strictObject({ writes: count, firstSeq: z.number().int(), lastSeq: z.number().int(), error: z.string() }),
      )
      .optional()
      .describe('dual-write: writes committed on the source that the target refused, per table'),
    divergentRows: count.optional().describe('rows that differ between old and new at the cutover, every table'),
    tables: z
      .record(
        z.string(),
        z.strictObject({
          source: count,
          target: z.union([count, z.string()]),
          divergent: count.optional(),
          acked: count.optional(),
          lost: count.optional(),
        }),
      )
      .optional()
      .describe('per table: rows old and new at the cutover, divergent rows, acknowledged and lost writes'),
  })
  .describe('kind Migration: the procedure, the write downtime, the lag at cutover, the copy and what differs');
const walRangeSchema = z.strictObject({
  start: z.string(),
  end: z.string().optional(),
  newest: z.string().optional(),
});

const existingBackupSchema = z
  .strictObject({
    method: z.string().describe('the source format: dump, basebackup-wal, pgbackrest, barman-cloud'),
    origin: z.literal('existing').optional().describe('a backup the user took, restored by a restore test'),
    id: z.string().optional(),
    time: time.optional().describe('when the backup was complete'),
    bytes: count,
    ageSeconds: seconds.describe(
      'how old the backup was when the restore test started: the exposure if production died then',
    ),
    wal: walRangeSchema.optional(),
    available: count.optional().describe('backups the source held'),
  })
  .describe('restore tests: the backup restored');

const restoreSchema = z
  .strictObject({
    seconds: seconds.optional().describe('list + fetch + integrity + restore + replay + verify'),
    bytes: count.optional().describe('bytes fetched from the source'),
    bytesPerSecond: z.number().min(0).optional(),
    phases: z.partialRecord(z.enum(['list', 'fetch', 'integrity', 'restore', 'replay', 'verify']), seconds).optional(),
    replay: z.strictObject({ endLsn: z.string().optional(), description: z.string() }).optional(),
    target: z.looseObject({ type: z.string() }).optional(),
    tables: z.record(z.string(), count).optional().describe('row count of every table of the checked database'),
  })
  .describe('restore tests: how long the restore took, phase by phase');

const walContinuitySchema = z
  .strictObject({
    from: z.string().describe('the segment the backup starts in'),
    needed: z.string().optional().describe('the segment the backup needs to become consistent'),
    newest: z.string().nullable().describe('the newest archived segment of the timeline'),
    newestAt: time.optional(),
    segments: count,
    continuous: z.boolean(),
    missing: z.string().optional().describe('the first missing segment'),
  })
  .describe('restore tests: WAL continuity from the backup to the newest archived segment');

const measurementsSchema = z.looseObject({
  migration: migrationSchema.optional(),
  rto: rtoSchema.optional(),
  rpo: rpoSchema.optional(),
  ledger: ledgerSchema.optional(),
  fault: z
    .looseObject({
      at: z.number().optional().describe('epoch ms, stamped on the monotonic clock just before the destructive action'),
      description: z.string().optional(),
      damaged: z.array(z.string()).optional().describe('what the fault damaged: table names, "cluster", "volume:data"'),
    })
    .optional(),
  recovery: z.looseObject({}).optional(),
  detection: detectionSchema
    .optional()
    .describe('detect: when the alert went pending and firing, from the Prometheus the drill ran'),
  rpoExposure: exposureSchema
    .optional()
    .describe('acknowledged writes that existed only on the primary while WAL archiving was failing, over time'),
  backup: existingBackupSchema.optional(),
  restore: restoreSchema.optional(),
  wal: walContinuitySchema.optional(),
});

const backupSchema = z.strictObject({
  id: z.string(),
  method: z.string(),
  startedAt: time,
  finishedAt: time,
  bytes: count,
  sha256: sha256.optional(),
  objects: z.array(z.strictObject({ key: z.string(), bytes: count, sha256 })),
  startLsn: z.string().optional(),
  stopLsn: z.string().optional(),
  timeline: z.number().int().min(1).optional(),
  label: z.string().optional(),
});

const environmentSchema = z.strictObject({
  kind: z.string(),
  postgres: z.strictObject({
    version: z.string(),
    versionNum: z.number().int(),
    binDir: z.string().optional(),
    settings: z.record(z.string(), z.string()),
  }),
  objectStore: z.strictObject({ kind: z.string(), endpoint: z.string(), bucket: z.string(), prefix: z.string() }),
  tools: z.record(z.string(), z.string()),
  host: z.strictObject({ platform: z.string(), arch: z.string(), node: z.string(), cpus: z.number().int().min(1) }),
});

const artifactSchema = z.strictObject({
  name: z.string(),
  path: z.string().describe('relative to the drill directory'),
  description: z.string(),
});

const auditFindingSchema = z.strictObject({
  at: time,
  by: z.string().optional(),
  finding: z.string(),
  remediation: z.string().optional(),
});

const auditSchema = z
  .strictObject({
    owner: z.string().optional(),
    runbook: z
      .strictObject({ url: z.string().optional(), path: z.string().optional(), version: z.string().optional() })
      .optional(),
    rationale: z.string().optional(),
    operator: z.string().optional(),
    approver: z.string().optional(),
    findings: z.array(auditFindingSchema).optional().describe('added after the drill with drdrill annotate'),
  })
  .describe('for auditors: who owns it, the runbook followed, why, who ran and approved it, and the findings');

export const journalSchema = z
  .strictObject({
    schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
    drdrillVersion: z.string().min(1),
    drill: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
      .describe('metadata.name of the scenario'),
    runId: z
      .string()
      .optional()
      .describe('unique id of this run: names its work directory, bucket and containers (label org.drdrill.run)'),
    scenario: z.strictObject({
      file: z.string(),
      sha256,
      source: z.string().describe('the scenario file as read'),
      // Old journals keep the scenario as it was parsed then; only its shape as an object is checked here.
      parsed: z
        .custom<AnyScenario>((v) => typeof v === 'object' && v !== null)
        .describe('the scenario after validation and defaults; its schema is drill.v1.schema.json'),
    }),
    startedAt: time,
    finishedAt: time,
    seconds,
    verdict: z.enum(VERDICTS),
    reason: z
      .string()
      .optional()
      .describe('why the verdict is not passed: the first failing check, phase error or missed objective'),
    environment: environmentSchema.optional(),
    simulated: z.boolean().optional().describe('the cluster was simulated (tests): its timings are not a measured RTO'),
    kubernetes: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('environment "kubernetes": context, namespace, storage and every object applied (Secrets by key only)'),
    timeouts: z
      .record(z.string(), z.number())
      .optional()
      .describe('the time budgets (seconds) this run used, after DRDRILL_TIMEOUTS overrides'),
    phases: z.array(phaseSchema),
    events: z.array(eventSchema),
    measurements: measurementsSchema,
    objectives: z.array(objectiveSchema),
    checks: z.array(checkSchema),
    backups: z.array(backupSchema),
    artifacts: z.array(artifactSchema),
    audit: auditSchema.optional(),
  })
  .superRefine((j, ctx) => {
    if (j.verdict !== 'passed' && !j.reason)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required when the verdict is not passed' });
    j.checks.forEach((c, i) => {
      if ((c.status === 'failed' || c.status === 'error') && !c.message)
        ctx.addIssue({ code: 'custom', path: ['checks', i, 'message'], message: 'is required for a failed check' });
    });
  });

export type Journal = z.infer<typeof journalSchema>;
export type Verdict = (typeof VERDICTS)[number];
export type PhaseStatus = (typeof PHASE_STATUSES)[number];
export type CheckStatus = (typeof CHECK_STATUSES)[number];
export type PhaseName = (typeof PHASE_NAMES)[number];
export type PhaseRecord = z.infer<typeof phaseSchema>;
export type JournalEvent = z.infer<typeof eventSchema>;
export type CheckEvidence = z.infer<typeof evidenceSchema>;
export type CheckRecord = z.infer<typeof checkSchema>;
export type ObjectiveResult = z.infer<typeof objectiveSchema>;
export type RtoMeasurements = z.infer<typeof rtoSchema>;
export type DetectionMeasurements = z.infer<typeof detectionSchema>;
export type RpoExposure = z.infer<typeof exposureSchema>;
export type RpoMeasurements = z.infer<typeof rpoSchema>;
export type Outage = z.infer<typeof outageSchema>;
export type LedgerSummary = z.infer<typeof ledgerSchema>;
export type BackupRecord = z.infer<typeof backupSchema>;
export type EnvironmentRecord = z.infer<typeof environmentSchema>;
export type ArtifactRecord = z.infer<typeof artifactSchema>;
/** A finding recorded after the drill (drdrill annotate), signed into the evidence bundle. */
export type AuditFinding = z.infer<typeof auditFindingSchema>;
export type AuditRecord = z.infer<typeof auditSchema>;

/** The state of the dataset before the fault: what verification compares against. */
export interface Baseline {
  takenAt: string;
  rowCounts: Record<string, number>;
  fingerprints: Record<string, string>;
  sequences: Record<string, string | null>;
  /**
   * Each table's single-column integer primary key and its largest value at baseline time. Rows above it were
   * written by the workload, so "the baseline part" of a table stays comparable while writes go on.
   */
  keys: Record<string, { column: string; type: string; max: string } | null>;
  /** Identity of each table's storage, to find records touching it in the WAL later (even after a DROP). */
  relations: Record<string, { oid: string; relfilenode: string; databaseOid: string }>;
  schema?: string;
}

/** JSON Schema of the journal, generated from the zod definition, with the rules zod keeps in refinements. */
export function journalJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(journalSchema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  const properties = generated.properties as Record<string, Record<string, unknown>>;
  const checks = properties.checks as { items: Record<string, unknown> };
  checks.items = {
    ...checks.items,
    if: { properties: { status: { enum: ['failed', 'error'] } } },
    then: { required: ['message'] },
  };
  properties.scenario = {
    ...properties.scenario,
    properties: {
      ...(properties.scenario!.properties as object),
      parsed: {
        type: 'object',
        description: 'the scenario after validation and defaults; its schema is drill.v1.schema.json',
        required: ['apiVersion', 'kind', 'metadata'],
        properties: { apiVersion: { const: 'drdrill/v1' }, metadata: { type: 'object', required: ['name'] } },
      },
    },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://drdrill.dev/schema/journal.v1.schema.json',
    title: 'drdrill drill journal, schemaVersion 1',
    description:
      'One journal per drill (<out>/<drill>/journal.json). Every report is rendered from it. Version 1 may gain optional fields; a field that changes meaning or disappears bumps schemaVersion. Times are ISO 8601 UTC; durations are seconds.',
    ...generated,
    allOf: [{ if: { properties: { verdict: { not: { const: 'passed' } } } }, then: { required: ['reason'] } }],
  };
}
