// Two projects: fast unit/contract tests on the sources, and end-to-end tests that run the bundled
// dist/index.js as GitHub does. ESM throughout (the toolkit is ESM-only), transpiled by ts-jest.
const shared = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] }
}

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/__tests__/**/*.test.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/e2e/**/*.e2e.ts'] }
  ],
  testTimeout: 180000,
  // The unit tests of src/ci load miniprogram-ci in-process; like the action (which ends with process.exit()),
  // jest must not wait for the handles it leaves behind.
  forceExit: true
}
