import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // In CI also write a JSON summary, from which .ci/run prints one plain "N passed, N failed" line
    // per Node version (SIMDNET_TEST_REPORT names the file, so the runs do not overwrite each other).
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: process.env.SIMDNET_TEST_REPORT ?? 'build/test-results.json' } : undefined,
  },
});
