import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { packageAliases } from '../../../vitest.config.js';

// The deliberately failing example, run on its own in a child vitest.
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { alias: packageAliases },
  test: {
    // Annotated reports are copied here; next to the drills' own output when a test gives one.
    attachmentsDir: process.env.DRDRILL_VITEST_OUT
      ? join(process.env.DRDRILL_VITEST_OUT, '.vitest-attachments')
      : undefined,
    include: ['examples/vitest/failing/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
