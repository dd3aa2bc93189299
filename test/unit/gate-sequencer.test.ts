import { join } from 'node:path';

// The gate's jest sequencer (plain JS: jest loads it before any transform).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const GateSequencer = require('../../jest.sequencer') as new (opts: object) => {
  sort(tests: Array<{ path: string; context: object }>): Array<{ path: string }>;
};

/** A fresh clone: no timing cache, so jest alone would order by file size (the 5-line chaos files last). */
describe('the gate sequencer', () => {
  const root = join(__dirname, '../..');
  const sizes: Record<string, number> = {
    'test/unit/money.test.ts': 9_000,
    'test/chaos/matrix.test.ts': 300,
    'test/workflows/payouts-rails.test.ts': 12_000,
    'test/workflows/payouts-crash.test.ts': 4_000,
    'test/e2e/ingress.test.ts': 20_000,
    'test/chaos/matrix-more.test.ts': 200,
  };
  const context = { config: { cache: false }, hasteFS: { getSize: (p: string) => sizes[p.slice(root.length + 1)] } };
  const tests = Object.keys(sizes).map((p) => ({ path: join(root, p), context }));

  test('when the suite starts on a fresh clone, then the fault matrix files start first, then the known slow files longest first, then the rest by size', () => {
    const order = new GateSequencer({}).sort(tests).map((t) => t.path.slice(root.length + 1));
    expect(order).toEqual([
      'test/chaos/matrix.test.ts',
      'test/chaos/matrix-more.test.ts',
      'test/workflows/payouts-crash.test.ts',
      'test/workflows/payouts-rails.test.ts',
      'test/e2e/ingress.test.ts',
      'test/unit/money.test.ts',
    ]);
  });
});
