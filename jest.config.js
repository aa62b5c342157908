/** Jest runs TypeScript sources directly through SWC, as ESM (node-llama-cpp is ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  testTimeout: 60000,
  setupFiles: ['<rootDir>/tests/helpers/isolated-data-dir.cjs'],
  setupFilesAfterEnv: ['<rootDir>/tests/helpers/kill-servers.ts'],
};
