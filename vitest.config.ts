import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests start real processes and Postgres; two cores do not go further than this.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // No test may reach GitHub's real API: a run without a pinned checksum asks a refused port unless
    // the test points CANTON_MPC_GITHUB_API at its local download server.
    env: { CANTON_MPC_GITHUB_API: 'http://127.0.0.1:9' },
    reporters: ['default', './test/support/plain-reporter.ts'],
  },
});
