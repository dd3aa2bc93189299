import { randomUUID } from 'node:crypto';
import { makeAwsClients } from '../../activities/adapters/aws';
import { awsOptions } from '../../workers/config';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createS3Reports } from '../../activities/adapters/reports/s3-reports';
import { startPayoutRun } from '../../client/payout-runs';
import { payableCreator, startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { getRunProgressQuery } from '../../workflows/payout-runs/contract';
import { recordHistoryIfAsked } from '../support/histories';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';
import { creatorPayoutWorkflowId, payoutIdFor } from '../../workflows/payouts/contract';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('payoutRun on the real dev server (moto ledger and S3, PSP and directory sandboxes)', () => {
  let psp: PspSandbox;
  let creators: CreatorsSandbox;
  beforeAll(async () => {
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
    creators = await startCreatorsSandbox({ port: 0 });
  });
  afterAll(async () => {
    await psp.stop();
    await creators.stop();
  });

  /** Payable creators with 1,000 earned in `period` and funded in the ledger; `overrides` per creator. */
  async function seed(
    config: ReturnType<typeof testConfig>,
    ids: string[],
    period: string,
    overrides: (creatorId: string) => Record<string, unknown> = () => ({}),
  ) {
    await post(`${creators.url}/__admin/creators`, {
      creators: ids.map((creatorId) =>
        payableCreator(creatorId, { earnings: { [period]: 1_000 }, ...overrides(creatorId) }),
      ),
    });
    const ledger = createDynamoLedger({ aws: makeAwsClients(awsOptions(config)), table: config.LEDGER_TABLE });
    for (const creatorId of ids) {
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
    return ledger;
  }

  test('when a period is run twice, then every creator is started once through a bounded window across continue-as-new, partial failures do not fail the run, the CSV lands in S3 and the second run pays nobody', async () => {
    const config = testConfig({ PSP_API_BASE: psp.url, CREATORS_API_BASE: creators.url });
    const aws = makeAwsClients(awsOptions(config));
    const tag = randomUUID().slice(0, 8);
    // Periods are per test run so the shared dev server never sees the same payout IDs twice.
    const period = `20${String(30 + Math.floor(Math.random() * 60))}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;
    const ids = Array.from({ length: 14 }, (_, i) => `run-${tag}-${String(i).padStart(2, '0')}`);
    const parked = ids[12] as string;
    const declined = ids[13] as string;
    const ledger = await seed(config, ids, period, (creatorId) =>
      creatorId === parked ? { kycStatus: 'pending' } : {},
    );
    await post(`${psp.url}/__admin/faults`, { declineDestinations: [`acct_${declined.replace(/-/g, '_')}`] });

    const { worker, connection: workerConnection } = await testWorker(config);
    const { client, connection } = await testClient(config);
    try {
      await worker.runUntil(async () => {
        const input = {
          period,
          maxConcurrent: 4,
          childrenPerExecution: 10,
          pageSize: 5,
          payoutTiming: { returnWindowMs: 1, pollInitialMs: 200, pollMaxMs: 1_000 },
        };
        const { handle } = await startPayoutRun(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE });
        const progress = await handle.result();

        expect(progress.started).toBe(14);
        expect(progress.counts).toMatchObject({ paid: 12, parked: 1, failed: 1, 'already-exists': 0 });
        expect(progress.executions).toBeGreaterThanOrEqual(2);
        const csv = await createS3Reports({ aws, bucket: config.REPORTS_BUCKET }).get(progress.summaryKey ?? 'missing');
        const rows = (csv ?? '').split('\n').filter((l) => l.startsWith('run-'));
        expect(rows).toHaveLength(14);
        expect(rows.find((r) => r.startsWith(declined))).toMatch(/,failed,/);
        expect(await ledger.balance(Accounts.creatorAvailable(ids[0] as string), 'USD')).toBe(0);
        expect(await ledger.balance(Accounts.creatorAvailable(declined), 'USD')).toBe(-1_000);
        await recordHistoryIfAsked(handle, 'payout-run');

        const transfers = async () =>
          ((await (await fetch(`${psp.url}/__admin/calls`)).json()) as { created: { transfer: number } }).created
            .transfer;
        const transfersBefore = await transfers();
        const again = await startPayoutRun(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE });
        const second = await again.handle.result();
        expect(second.counts).toMatchObject({ paid: 0, failed: 0, 'already-exists': 14 });
        expect(await transfers()).toBe(transfersBefore);
        expect(await again.handle.query(getRunProgressQuery)).toMatchObject({ started: 14, inFlight: 0 });
      });
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });

  test('when ops terminate a payout that never reported (stuck retrying its rail), then its slot frees, it counts as failed and the run still finishes', async () => {
    // No bank listens at this address: a bank payout retries its initiation and never reaches a reportable state.
    const config = testConfig({
      PSP_API_BASE: psp.url,
      CREATORS_API_BASE: creators.url,
      BANK_API_BASE: 'http://127.0.0.1:9',
    });
    const tag = randomUUID().slice(0, 8);
    const period = `21${String(10 + Math.floor(Math.random() * 89))}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;
    const ids = [`stuck-${tag}-0`, `stuck-${tag}-1`, `stuck-${tag}-2`];
    const stuck = ids[0] as string;
    await seed(config, ids, period, (creatorId) =>
      creatorId === stuck
        ? { payoutMethod: { rail: 'bank', currency: 'USD', country: 'US', accountToken: `bank_${tag}` } }
        : {},
    );
    const { worker, connection: workerConnection } = await testWorker(config);
    const { client, connection } = await testClient(config);
    try {
      await worker.runUntil(async () => {
        const input = {
          period,
          maxConcurrent: 1,
          payoutTiming: { returnWindowMs: 1, pollInitialMs: 200, pollMaxMs: 1_000 },
        };
        const { handle } = await startPayoutRun(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE });
        const child = client.workflow.getHandle(creatorPayoutWorkflowId(payoutIdFor(stuck, period)));
        // The window of one is held by the stuck payout while it retries its initiation.
        await until(
          async () =>
            (await child.describe().catch(() => undefined))?.raw.pendingActivities?.length ? true : undefined,
          15_000,
        );
        expect(await handle.query(getRunProgressQuery)).toMatchObject({ inFlight: 1 });
        await child.terminate('ops: bank unreachable, handled outside the system');

        const progress = await handle.result();
        expect(progress).toMatchObject({ started: 3, inFlight: 0, counts: { paid: 2, failed: 1 } });
      });
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });
});
