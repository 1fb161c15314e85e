import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/** The examples import the package by its name, as users do; here it resolves to the sources. */
export const packageAliases = {
  'drdrill/vitest': fileURLToPath(new URL('./harness/api/vitest/index.ts', import.meta.url)),
  drdrill: fileURLToPath(new URL('./harness/api/index.ts', import.meta.url)),
};

/**
 * The long lane: run by `npm run test:all` (DRDRILL_TESTS=all), not by `npm test`, which keeps a representative
 * of each (a dump and a basebackup-wal restore test, the archive-failure detection drill, positive migrations).
 */
const LONG_LANE = [
  'scenarios/restore-tests/barman-cloud.test.ts',
  'scenarios/restore-tests/pgbackrest.test.ts',
  'scenarios/detection.test.ts',
  'scenarios/migrations/negative/**',
  'harness/api/package.test.ts',
];

export default defineConfig({
  resolve: { alias: packageAliases },
  test: {
    include: ['{harness,reports,fixtures,scenarios,examples}/**/*.test.ts'],
    // Run on its own, in a child vitest, by harness/api/vitest/child-vitest.test.ts.
    exclude: [
      ...configDefaults.exclude,
      'examples/vitest/failing/**',
      ...(process.env.DRDRILL_TESTS === 'all' ? [] : LONG_LANE),
    ],
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
