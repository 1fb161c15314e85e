import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { BACKUP_METHODS } from '../../harness/backups/index.js';
import { DrillError, errorMessage } from '../../harness/engine/errors.js';
import { FREQUENCY_HELP, parseCadence, type Cadence } from './cadence.js';

const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|minutes|h|hour|hours|d|day|days)$/;

/** "1 hour", "15 min", "45m", "90s" as written in DRP documents. */
export function planSeconds(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration; write e.g. "1 hour", "15 min", "45m" or "90s"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

const duration = z
  .string()
  .refine((t) => DURATION.test(t.trim()), { message: 'a duration such as "1 hour", "15 min", "45m" or "90s"' });

/** A disaster-recovery plan, modelled on the usual DRP template: objectives, backup schedule, procedures, testing. */
export const planSchema = z.strictObject({
  apiVersion: z.literal('drdrill/v1'),
  kind: z.literal('DisasterRecoveryPlan'),
  metadata: z.strictObject({ name: z.string().min(1), owner: z.string().optional(), reviewed: z.string().optional() }),
  objectives: z.strictObject({
    rto: duration.describe('Recovery Time Objective'),
    rpo: duration.describe('Recovery Point Objective'),
  }),
  backupSchedule: z
    .array(
      z.strictObject({
        kind: z.string().min(1),
        schedule: z.string().min(1),
        methods: z
          .array(
            z.string().refine((m) => (BACKUP_METHODS as readonly string[]).includes(m), {
              message: `must be one of ${BACKUP_METHODS.join(', ')}`,
            }),
          )
          .default([]),
      }),
    )
    .default([]),
  procedures: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case id of letters, digits and "-"'),
        title: z.string().min(1),
        expected: duration.describe('the time the procedure is expected to take'),
        drills: z.array(z.string().min(1)).min(1).describe('the drills (metadata.name) that rehearse it'),
      }),
    )
    .min(1),
  testing: z
    .strictObject({
      maxAgeDays: z.number().int().positive().default(92),
      cadence: z
        .array(
          z.union([
            z.string().min(1).describe('"<frequency>: <what is done>", e.g. "Quarterly: full DRP drill with the team"'),
            z.strictObject({
              every: z.string().min(1).describe(FREQUENCY_HELP),
              what: z.string().min(1),
              scope: z
                .enum(['each-procedure', 'any-procedure'])
                .optional()
                .describe('each procedure must be drilled this often, or one drill of any of them is enough'),
              procedures: z.array(z.string().min(1)).min(1).optional().describe('procedure ids; default all'),
            }),
          ]),
        )
        .default([]),
    })
    .default({ maxAgeDays: 92, cadence: [] }),
  contacts: z.array(z.string()).default([]),
});

export type Plan = z.infer<typeof planSchema>;

/** The testing section's lines as cadences; parsePlan has already rejected any it cannot read. */
export function planCadences(plan: Plan): Cadence[] {
  const ids = plan.procedures.map((p) => p.id);
  return plan.testing.cadence
    .map((entry) => parseCadence(entry, ids))
    .filter((c): c is Cadence => typeof c !== 'string');
}

export async function loadPlan(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DrillError(
      'invalid-config',
      `${file}: cannot read the plan (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
    );
  }
  return parsePlan(text, file);
}

export function parsePlan(text: string, file: string): Plan {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new DrillError('invalid-config', `${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
  const result = planSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new DrillError('invalid-config', `${file}: ${issue.path.join('.') || '(top)'} ${issue.message}`);
  }
  const ids = result.data.procedures.map((p) => p.id);
  result.data.testing.cadence.forEach((entry, i) => {
    const parsed = parseCadence(entry, ids);
    if (typeof parsed === 'string') throw new DrillError('invalid-config', `${file}: testing.cadence.${i} ${parsed}`);
  });
  return result.data;
}

/** --as-of YYYY-MM-DD: the end of that day (UTC); default now. */
export function parseAsOf(text: string | undefined): Date {
  if (!text) return new Date();
  const asOf = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T23:59:59Z`) : new Date(NaN);
  if (Number.isNaN(asOf.getTime()))
    throw new DrillError('invalid-config', `--as-of ${text}: expected a date such as 2025-12-31`);
  return asOf;
}
