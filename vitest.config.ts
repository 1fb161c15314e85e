import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/** The examples import the package by its name, as users do; here it resolves to the sources. */
export const packageAliases = {
  'drdrill/vitest': fileURLToPath(new URL('./harness/api/vitest/index.ts', import.meta.url)),
  drdrill: fileURLToPath(new URL('./harness/api/index.ts', import.meta.url)),
};

export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ['{harness,reports,fixtures,scenarios,examples}/**/*.test.ts'],
    // Run on its own, in a child vitest, by harness/api/vitest/child-vitest.test.ts.
    exclude: [...configDefaults.exclude, 'examples/vitest/failing/**'],
    // Drill tests start real PostgreSQL and S3 processes: generous timeouts, two files at a time on 2 cores.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    retry: 0,
    mockReset: true,
    restoreMocks: true,
    setupFiles: ['harness/testing/vitest-setup.ts'],
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
