/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // infra/cdk is its own package (aws-cdk-lib resolves from infra/cdk/node_modules); its tests run here too.
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/infra/cdk/test/**/*.test.ts'],
  // Unbundled workflow code (unit tests) runs with an explicit local trust environment (trust.ts fails closed).
  setupFiles: ['<rootDir>/test/support/trust-environment.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
};
