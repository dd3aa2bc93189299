const { relative, resolve } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const root = __dirname;

/**
 * Files known to take long (seconds, measured on the 2-core CI machine kind), started right after the fault matrix so
 * no worker is left with one of them at the end. Jest's own order on a fresh clone (no timing cache) is by file size,
 * which put the 5-line chaos files last: 4.4 minutes of silence after everything else had finished.
 */
const SLOW = new Map([
  ['test/workflows/payouts-crash.test.ts', 37],
  ['test/workflows/psp-pacing.test.ts', 30],
  ['test/e2e/lambda-zip.test.ts', 28],
  ['test/workflows/payouts-rails.test.ts', 25],
  ['test/e2e/ops-cli.test.ts', 24],
  ['test/e2e/finance-cli.test.ts', 18],
  ['test/workflows/payouts-rail-proof.test.ts', 16],
  ['test/workflows/payouts-faults.test.ts', 15],
  ['test/browser/stuck-payouts.test.ts', 14],
  ['test/workflows/payout-run-parked.test.ts', 14],
  ['test/workflows/retrying-payouts.test.ts', 13.5],
  ['test/e2e/release-deployment.test.ts', 13],
]);

/**
 * The gate's order: the fault matrix's files first (each runs for minutes, mostly waiting on timeouts, so they run
 * beside everything else instead of after it), then the known slow files longest first, then jest's own order (files
 * that failed last time, then by the last run's duration, else by size).
 */
class GateSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rel = (t) => relative(root, t.path).split('\\').join('/');
    const rank = (t) => (rel(t).startsWith('test/chaos/') ? 0 : SLOW.has(rel(t)) ? 1 : 2);
    const slow = (t) => SLOW.get(rel(t)) ?? 0;
    // Array.prototype.sort is stable: within a rank, jest's order stands (chaos files by name, slow files by weight).
    return [...sorted].sort((a, b) => rank(a) - rank(b) || (rank(a) === 1 ? slow(b) - slow(a) : 0));
  }
}

module.exports = GateSequencer;
