import { randomUUID } from 'node:crypto';
import { makeAwsClients } from '../../activities/adapters/aws';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayoutRun } from '../../client/payout-runs';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { payableCreator, startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { getRunProgressQuery, type PayoutRunProgress } from '../../workflows/payout-runs/contract';
import { creatorPayoutWorkflowId, payoutIdFor } from '../../workflows/payouts/contract';
import { awsOptions } from '../../workers/config';
import { recordHistoryIfAsked } from '../support/histories';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const randomPeriod = (century: string) =>
  `${century}${String(10 + Math.floor(Math.random() * 89))}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;
const bankMethod = { rail: 'bank', currency: 'USD', country: 'DE', iban: 'DE89370400440532013000' };

/** A run must end even when a payout parks after initiation or closes without reporting (issue 10). */
describe('payoutRun with parked and silently closed payouts (real dev server)', () => {
  let psp: PspSandbox;
  let bank: BankSandbox;
  let creators: CreatorsSandbox;
  beforeAll(async () => {
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
    bank = await startBankSandbox({ port: 0, hmacSecret: 'bank_test' });
    creators = await startCreatorsSandbox({ port: 0 });
  });
  afterAll(async () => {
    await Promise.all([psp.stop(), bank.stop(), creators.stop()]);
  });

  async function seed(config: ReturnType<typeof testConfig>, ids: string[], period: string, bankIds: string[]) {
    await post(`${creators.url}/__admin/creators`, {
      creators: ids.map((creatorId) =>
        payableCreator(creatorId, {
          earnings: { [period]: 1_000 },
          ...(bankIds.includes(creatorId) ? { payoutMethod: bankMethod } : {}),
        }),
      ),
    });
    const ledger = createDynamoLedger({ aws: makeAwsClients(awsOptions(config)), table: config.LEDGER_TABLE });
    for (const creatorId of ids)
      await ledger.post({
        postingId: `fund-${creatorId}`,
        currency: 'USD',
        description: 'test funding',
        effectiveDate: new Date().toISOString().slice(0, 10),
        refs: { workflowId: 'test-funding' },
        legs: [
          { account: Accounts.platformCash, amountMinor: 1_000 },
          { account: Accounts.creatorAvailable(creatorId), amountMinor: -1_000 },
        ],
      });
  }
  const endsWithin = <T>(p: Promise<T>, ms: number): Promise<T> =>
    Promise.race([
      p,
      new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`run did not end in ${ms} ms`)), ms)),
    ]);

  test('when a bank payout of a run stays unconfirmed past its deadline, then it reports parked and the run ends', async () => {
    const config = testConfig({ PSP_API_BASE: psp.url, CREATORS_API_BASE: creators.url, BANK_API_BASE: bank.url });
    await post(`${bank.url}/__admin/faults`, { settleDelayMs: 3_600_000 });
    const tag = randomUUID().slice(0, 8);
    const period = randomPeriod('22');
    const ids = [`od-${tag}-0`, `od-${tag}-1`];
    const overdue = ids[0] as string;
    await seed(config, ids, period, [overdue]);
    const { worker, connection: workerConnection } = await testWorker(config);
    const { client, connection } = await testClient(config);
    const child = client.workflow.getHandle(creatorPayoutWorkflowId(payoutIdFor(overdue, period)));
    try {
      await worker.runUntil(async () => {
        const timing = { returnWindowMs: 1, pollInitialMs: 200, pollMaxMs: 1_000, confirmationDeadlineMs: 1_000 };
        const { handle } = await startPayoutRun(client, { period, payoutTiming: timing }, opts(config));
        const progress = await endsWithin(handle.result(), 20_000).catch(async (err: unknown) => {
          throw new Error(`${String(err)}; progress ${JSON.stringify(await handle.query(getRunProgressQuery))}`);
        });
        expect(progress.counts).toMatchObject({ paid: 1, parked: 1 });
        await recordHistoryIfAsked(handle, 'payout-run-parked');
        await child.terminate('test over');
      });
    } finally {
      await post(`${bank.url}/__admin/faults`, { settleDelayMs: 200 });
      await child.terminate('test over').catch(() => undefined);
      await connection.close();
      await workerConnection.close();
    }
  });

  test('when a payout started before continue-as-new closes without reporting, then the next execution notices and the run ends', async () => {
    // No bank listens here: the bank payout retries its initiation and never reports.
    const config = testConfig({
      PSP_API_BASE: psp.url,
      CREATORS_API_BASE: creators.url,
      BANK_API_BASE: 'http://127.0.0.1:9',
    });
    const tag = randomUUID().slice(0, 8);
    const period = randomPeriod('23');
    const ids = Array.from({ length: 12 }, (_, i) => `can-${tag}-${String(i).padStart(2, '0')}`);
    const stuck = ids[0] as string;
    await seed(config, ids, period, [stuck]);
    const { worker, connection: workerConnection } = await testWorker(config);
    const { client, connection } = await testClient(config);
    try {
      await worker.runUntil(async () => {
        const input = {
          period,
          maxConcurrent: 2,
          childrenPerExecution: 10,
          pageSize: 5,
          probeEveryMs: 1_000,
          payoutTiming: { returnWindowMs: 1, pollInitialMs: 200, pollMaxMs: 1_000 },
        };
        const { handle } = await startPayoutRun(client, input, opts(config));
        const progress = (): Promise<PayoutRunProgress> => handle.query(getRunProgressQuery);
        // Ten payouts before the first continue-as-new: generous, since a loaded 2-core machine runs them slowly.
        await until(async () => ((await progress()).executions >= 2 ? true : undefined), 90_000);
        await client.workflow
          .getHandle(creatorPayoutWorkflowId(payoutIdFor(stuck, period)))
          .terminate('ops: bank unreachable, handled outside the system');

        const done = await endsWithin(handle.result(), 60_000).catch(async (err: unknown) => {
          throw new Error(`${String(err)}; progress ${JSON.stringify(await progress())}`);
        });
        expect(done).toMatchObject({ started: 12, inFlight: 0, counts: { paid: 11, failed: 1 } });
        await recordHistoryIfAsked(handle, 'payout-run-probe');
      });
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});

const opts = (config: ReturnType<typeof testConfig>) => ({ taskQueue: config.TEMPORAL_TASK_QUEUE });
