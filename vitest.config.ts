import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{harness,reports,fixtures,scenarios}/**/*.test.ts'],
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
