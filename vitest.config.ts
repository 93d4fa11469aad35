import { defineConfig } from 'vitest/config';

/**
 * The collector's tests run on SQLite always and, when `AFFIL_TEST_PG` names a PostgreSQL server
 * (`.ci/run` sets it), once more on PostgreSQL (the `collector-pg` project): the same files, each
 * collector on a database of its own (packages/collector/test/helpers/backend.ts).
 */
const PG = process.env.AFFIL_TEST_PG;
/** Tests of SQLite's files themselves (backup copies, a full disk, the final checkpoint, a killed writer's file). */
const SQLITE_ONLY = ['packages/collector/test/ops/backup.test.ts', 'packages/collector/test/ops/disk-full.test.ts', 'packages/collector/test/ops/sigterm.test.ts', 'packages/collector/test/ops/durability.test.ts', 'packages/collector/test/storage/sqlite-*.test.ts'];

if (!PG) console.log('PostgreSQL half skipped: set AFFIL_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres to run it');

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'sdk',
          include: ['packages/sdk/test/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'merchant',
          include: ['packages/merchant/test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'collector',
          include: ['packages/collector/test/**/*.test.ts'],
          environment: 'node',
          // Many tests start real processes (the CLI, a collector): 5 s is too short on a busy 2-core machine.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      ...(PG
        ? [
            {
              test: {
                name: 'collector-pg',
                include: ['packages/collector/test/**/*.test.ts'],
                exclude: SQLITE_ONLY,
                environment: 'node',
                // The HTTP fuzz (ops/fuzz.test.ts) sends its full 100,000 requests on SQLite; here a
                // quarter of them checks the same never-a-5xx promise against PostgreSQL's errors,
                // in 50 s instead of 190 s.
                env: { AFFIL_TEST_BACKEND: 'postgres', AFFIL_TEST_PG: PG, AFFIL_FUZZ_REQUESTS: process.env.AFFIL_FUZZ_REQUESTS ?? '25000' },
                globalSetup: ['packages/collector/test/helpers/pg-template.ts'],
                testTimeout: 30_000,
                hookTimeout: 30_000,
              },
            },
          ]
        : []),
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
