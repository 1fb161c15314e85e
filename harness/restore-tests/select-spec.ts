import { z } from 'zod';

/** `source.select`: which backup a restore test (or a dataset from a source) takes. */
export const selectSchema = z
  .union(
    [
      z.literal('newest'),
      z.strictObject({
        before: z
          .string()
          .refine((s) => /^\d+(\.\d+)?(ms|s|m|h)$/.test(s) || !Number.isNaN(Date.parse(s)), {
            message: 'an ISO 8601 time or a duration ago such as "24h"',
          })
          .describe('the newest backup completed before this time (ISO 8601), or this long ago ("24h")'),
      }),
      z.strictObject({ id: z.string().min(1).describe('the backup id, as `drdrill backups list` shows it') }),
    ],
    { error: 'must be newest, { before: <time> } or { id: <backup id> }' },
  )
  .default('newest');
