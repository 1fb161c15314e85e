import { z } from 'zod';
import { migrationScenarioSchema } from '../migrations/schema.js';
import { restoreTestSchema } from '../restore-tests/schema.js';
import { scenarioSchema } from './schema.js';

/**
 * Every kind of scenario document (`kind: Drill`, ...), each a zod schema discriminated on `kind`, through the
 * one loader, engine, journal, reports and exit codes. A new kind adds its schema here and its runner in
 * harness/engine/scenario-runners.ts.
 */
export const scenarioDocumentSchema = z.discriminatedUnion('kind', [
  scenarioSchema,
  migrationScenarioSchema,
  restoreTestSchema,
]);

export type AnyScenario = z.output<typeof scenarioDocumentSchema>;
export type ScenarioKind = AnyScenario['kind'];
export type ScenarioOfKind<K extends ScenarioKind> = Extract<AnyScenario, { kind: K }>;

export const SCENARIO_KINDS = scenarioDocumentSchema.options.map((o) => o.shape.kind.value);

/** The schema of one kind, for positioned messages about unknown keys. */
export function kindSchema(kind: unknown): z.ZodType | undefined {
  return scenarioDocumentSchema.options.find((o) => o.shape.kind.value === kind);
}
