import { z } from 'zod';
import { scenarioDocumentSchema } from './kinds.js';

/** JSON Schema generated from the same zod definition that validates scenarios. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(scenarioDocumentSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://drdrill.dev/schema/drill.v1.schema.json',
    title: 'drdrill scenario (apiVersion drdrill/v1, kind Drill)',
  };
}
