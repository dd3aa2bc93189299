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
  // The fault matrix's files first (jest.sequencer.js): they run for minutes, mostly waiting out timeouts, so
  // they run beside the other files. Four workers on two cores: two hold the matrix halves (light on CPU), two run
  // everything else; with two, the halves would hold both workers and everything else would wait for them.
  testSequencer: '<rootDir>/jest.sequencer.js',
  maxWorkers: 4,
};
