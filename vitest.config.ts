import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Kernel tests share one wasm memory per file; files run in parallel on 2 cores.
    pool: 'forks',
  },
});
