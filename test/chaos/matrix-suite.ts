import { formatTable, jsonLine, rowHeld, runMatrix, type RowResult } from './matrix';
import type { Row } from './row';
import { startChaosStack, type ChaosStack } from './stack';
import { stackEnv } from '../support/stack';

/** CI size: the issue asks for N ≥ 20 per row. */
export const CI_N = 20;

/**
 * Declares one jest suite running `rows` at N=20 on its own Temporal dev server (file DB, which a row kills) and its own
 * moto (the rows publish thousands of events: on the global setup's topic they would flood the other test files'
 * event taps), with the global setup's workflow bundle. Fails on any duplicate, loss or ledger break.
 */
export function describeMatrix(title: string, rows: Row[]): void {
  describe(`fault matrix (CI size): ${title}`, () => {
    let stack: ChaosStack;
    beforeAll(async () => {
      stack = await startChaosStack({ bundlePath: stackEnv('PAYOPS_TEST_BUNDLE') });
    }, 120_000);
    afterAll(async () => {
      await stack?.stop();
    });

    test(`when each of ${rows.length} rows runs ${CI_N} cases under its fault, then no money moves twice, none is lost and the ledger balances`, async () => {
      // Each row's line as it finishes, unbuffered (jest holds console output until the file ends).
      const results: RowResult[] = await runMatrix(stack, rows, CI_N, (line) => process.stderr.write(`${line}\n`));
      console.log(`${formatTable(results)}\n${jsonLine(results)}`);
      const bad = results.filter((r) => !rowHeld(r));
      expect(
        bad.map((r) => ({ fault: r.fault, unmet: r.unmet, error: r.error, findings: r.findings.slice(0, 3) })),
      ).toEqual([]);
    }, 1_200_000); // about 6 minutes on a quiet 2-core machine; twice that under heavy load
  });
}
