// Four tiers, all in `npm test`:
// - unit: in-process tests of the sources (`npm run test:unit`); the coverage (`npm run test:coverage`) is theirs;
// - fuzz: 1,000 hostile strings through every renderer of untrusted text (`npm run test:fuzz`), in four
//   files so they share the cores; CPU-bound (a GFM parse of every render), so it runs without coverage, under
//   which it is three to four times slower, and adds no coverage the unit tier lacks;
// - compile: the real miniprogram-ci compiling the sample project, each run in a child process (it keeps
//   module state and handles, and must end by itself); CPU-bound;
// - e2e: the bundled dist/index.js run as GitHub runs it; mostly waiting on child processes and loopback
//   servers, so several files run at once. dist/ is rebuilt first when the sources changed.
// ESM throughout (the toolkit is ESM-only), transpiled by ts-jest (transpile-only: tsconfig has
// isolatedModules; `npm run typecheck` checks the types).
import os from 'node:os'

const COMPILE_TESTS = ['<rootDir>/__tests__/ci-run.test.ts']
const FUZZ_TESTS = ['<rootDir>/__tests__/report-fuzz-*.test.ts']

const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  // dist/ and tools/ hold copies of package.json files that are not modules of the tests.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/tools/']
}

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...COMPILE_TESTS, '<rootDir>/__tests__/report-fuzz-']
    },
    { ...shared, displayName: 'fuzz', testMatch: FUZZ_TESTS },
    { ...shared, displayName: 'compile', testMatch: COMPILE_TESTS },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.e2e.ts'],
      globalSetup: '<rootDir>/test-support/jest-build-dist.mjs'
    }
  ],
  // The slowest files start first, also on a fresh clone that has no timings of its own yet.
  testSequencer: '<rootDir>/test-support/jest-sequencer.mjs',
  globalSetup: '<rootDir>/test-support/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/test-support/jest-global-teardown.mjs',
  // The e2e files spend most of their time waiting for the action's processes and timeouts, so more files
  // run at once than there are cores.
  maxWorkers: Math.max(4, os.availableParallelism?.() ?? os.cpus().length),
  testTimeout: 180000,
  // Coverage of the sources run in-process (dist/ and the compile children are not counted). The bundle's
  // entry runs only in the e2e tests; type-only modules have nothing to run.
  collectCoverageFrom: ['<rootDir>/src/**/*.ts', '!<rootDir>/src/index.ts', '!<rootDir>/src/**/types.ts'],
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  // A few points under what the suite reaches (`npm run test:coverage`), enforced by .ci/run. src/commands
  // is lower: preview, upload and submit compile, and a dashboard tick needs a person's edit of the issue, so
  // they run only end to end from dist/ (68 % of the functions of src/commands run in-process).
  coverageThreshold: {
    global: { lines: 89, statements: 89, branches: 82, functions: 89 },
    './src/commands/': { lines: 57, statements: 57, branches: 66, functions: 65 }
  }
}
