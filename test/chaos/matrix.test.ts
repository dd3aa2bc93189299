import { formatTable, jsonLine, runMatrix, type RowResult } from './matrix';
import { allRows } from './rows';
import { startChaosStack, type ChaosStack } from './stack';
import { stackEnv } from '../support/stack';

/**
 * The fault matrix at CI size: every implemented row at N=20 on its own Temporal dev server (file DB, which a row
 * kills) with the global setup's moto and workflow bundle. Fails on any duplicate, loss or ledger break.
 */
const N = 20;

describe('fault matrix (CI size)', () => {
  let stack: ChaosStack;
  beforeAll(async () => {
    stack = await startChaosStack({
      awsEndpoint: stackEnv('AWS_ENDPOINT_URL'),
      bundlePath: stackEnv('PAYOPS_TEST_BUNDLE'),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  test(`when every row runs ${N} payouts under its fault, then no money moves twice, none is lost and the ledger balances`, async () => {
    const results: RowResult[] = await runMatrix(stack, allRows, N);
    console.log(`${formatTable(results)}\n${jsonLine(results)}`);
    const bad = results.filter((r) => r.duplicates || r.lost || r.ledgerBreaks || r.error);
    expect(bad.map((r) => ({ fault: r.fault, error: r.error, findings: r.findings.slice(0, 3) }))).toEqual([]);
  }, 600_000);
});
