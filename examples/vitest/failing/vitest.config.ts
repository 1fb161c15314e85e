import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { packageAliases } from '../../../vitest.config.js';

// The deliberately failing example, run on its own in a child vitest.
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { alias: packageAliases },
  test: { include: ['examples/vitest/failing/*.test.ts'], testTimeout: 300_000, hookTimeout: 120_000 },
});
