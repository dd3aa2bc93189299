/**
 * `npm run test:quick`: the inner loop. Unit, policy, contract and client tests, which need none of the servers the
 * full gate starts (no Temporal dev server, moto, stripe-mock or workflow bundle): no globalSetup.
 * `npm test` still runs these files too, with everything else.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

const { globalSetup: _setup, globalTeardown: _teardown, ...rest } = base;

module.exports = {
  ...rest,
  testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
  maxWorkers: 2,
  testTimeout: 30_000,
};
