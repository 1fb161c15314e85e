import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { DrillError } from '../../harness/engine/errors.js';
import { packageRoot } from '../../harness/util/paths.js';

export const FRAMEWORKS = ['dora', 'soc2', 'iso27001'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** Every evidence item drdrill knows how to find; controls.yaml must list exactly these. */
export const EVIDENCE_IDS = [
  'backup-policy',
  'runbook',
  'objectives',
  'measured-vs-target',
  'test-date-cadence',
  'integrity-checks',
  'isolation',
  'rationale',
  'timeline',
  'findings',
  'tamper-evidence',
] as const;
export type EvidenceId = (typeof EVIDENCE_IDS)[number];

const control = z.strictObject({ id: z.string().min(1), title: z.string().min(1) });
const controlMapSchema = z.strictObject({
  apiVersion: z.literal('drdrill/v1'),
  kind: z.literal('ControlMap'),
  frameworks: z.strictObject({
    dora: z.strictObject({ title: z.string().min(1), controls: z.array(control).min(1) }),
    soc2: z.strictObject({ title: z.string().min(1), controls: z.array(control).min(1) }),
    iso27001: z.strictObject({ title: z.string().min(1), controls: z.array(control).min(1) }),
  }),
  evidence: z
    .array(
      z.strictObject({
        id: z.enum(EVIDENCE_IDS),
        title: z.string().min(1),
        controls: z.strictObject({
          dora: z.array(z.string()).optional(),
          soc2: z.array(z.string()).optional(),
          iso27001: z.array(z.string()).optional(),
        }),
        provide: z.string().min(1).describe('what to do when the item is missing'),
      }),
    )
    .min(1),
});

export type ControlMap = z.infer<typeof controlMapSchema>;
export type EvidenceItem = ControlMap['evidence'][number];

export const CONTROLS_FILE = join(packageRoot(), 'reports', 'compliance', 'controls.yaml');

let cached: ControlMap | undefined;

/** reports/compliance/controls.yaml, checked: every item known, every control it names defined. */
export function loadControlMap(file = CONTROLS_FILE): ControlMap {
  if (file === CONTROLS_FILE && cached) return cached;
  const map = parseControlMap(readFileSync(file, 'utf8'), file);
  if (file === CONTROLS_FILE) cached = map;
  return map;
}

export function parseControlMap(text: string, file: string): ControlMap {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new DrillError('error', `${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
  const result = controlMapSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new DrillError('error', `${file}: ${issue.path.join('.') || '(top)'} ${issue.message}`);
  }
  const map = result.data;
  map.evidence.forEach((item, i) => {
    for (const framework of FRAMEWORKS)
      for (const id of item.controls[framework] ?? [])
        if (!map.frameworks[framework].controls.some((c) => c.id === id))
          throw new DrillError(
            'error',
            `${file}: evidence.${i}.controls.${framework} names "${id}", which frameworks.${framework}.controls does not define`,
          );
  });
  const listed = new Set(map.evidence.map((e) => e.id));
  const unlisted = EVIDENCE_IDS.find((id) => !listed.has(id));
  if (unlisted) throw new DrillError('error', `${file}: evidence does not list "${unlisted}"`);
  return map;
}
