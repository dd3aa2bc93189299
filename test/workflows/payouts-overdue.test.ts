import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createFakeCreators } from '../../activities/adapters/creators/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import { buildDependencies } from '../../workers/dependencies';
import { creatorPayoutWorkflowId, getStateQuery } from '../../workflows/payouts/contract';
import { recordHistoryIfAsked } from '../support/histories';
import { testConfig } from '../support/stack';
import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';
import { opsSigner, staffUpdate } from '../support/staff';

const DAY = 86_400_000;

describe('creatorPayout awaiting a bank confirmation for weeks (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('when the bank does not confirm for weeks, then polls back off past the deadline, the payout continues as new with its state and still settles once', async () => {
    const creators = createFakeCreators([
      {
        creatorId: 'c-slow',
        displayName: 'Slow',
        email: 'slow@creators.example',
        kycStatus: 'verified',
        sanctionsStatus: 'clear',
        balanceCurrency: 'USD',
        payoutMethod: { rail: 'bank', currency: 'USD', country: 'DE', iban: 'DE89370400440532013000' },
        earnings: {},
      },
    ]);
    const fakes = fakeDeps();
    await fakes.ledger.post({
      postingId: 'fund-c-slow',
      currency: 'USD',
      description: 'test funding',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'test-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: 10_000 },
        { account: Accounts.creatorAvailable('c-slow'), amountMinor: -10_000 },
      ],
    });
    const taskQueue = 'payouts-overdue';
    const deps = buildDependencies(testConfig(), { ...fakes, creators });
    const worker = await timeSkippingWorker(env, taskQueue, deps);
    const workflowId = creatorPayoutWorkflowId('slow-1');

    await worker.runUntil(async () => {
      const first = await env.client.workflow.start('creatorPayout', {
        taskQueue,
        workflowId,
        args: [
          {
            payoutId: 'slow-1',
            creatorId: 'c-slow',
            period: '2026-11',
            amount: { amountMinor: 5_000, currency: 'USD' },
          },
        ],
      });
      await env.sleep(14 * DAY);

      const latest = env.client.workflow.getHandle(workflowId);
      const state = await latest.query(getStateQuery);
      const described = await latest.describe();
      const polls = fakes.bank.calls.filter((c) => c.method === 'getStatus').length;

      expect(state).toMatchObject({
        state: 'awaiting_confirmation',
        attempt: 1,
        lastErrorCode: 'confirmation_overdue',
      });
      expect(state.railReference).toMatch(/^E2E/);
      expect(described.runId).not.toBe(first.firstExecutionRunId);
      expect(described.historyLength).toBeLessThan(2_000);
      // 30-minute polls for 14 days would be ~670; past the 3-day deadline they back off to 6 h.
      expect(polls).toBeLessThan(250);
      expect(fakes.bank.calls.filter((c) => c.method === 'initiateCreditTransfer')).toHaveLength(1);
      expect([...fakes.ledger.postings.keys()].filter((k) => k.startsWith(workflowId))).toEqual([
        `${workflowId}:reserve`,
      ]);

      // The continued execution still owns the transfer: the bank settles, ops poll now, the ledger settles once.
      fakes.bank.settle(state.railReference ?? '');
      await staffUpdate(latest, 'retryPayoutNow', {
        operator: 'ops.dan',
        sign: opsSigner('ops.dan', () => env.currentTimeMs()),
        reason: 'bank says settled',
      });
      expect(await latest.result()).toMatchObject({
        state: 'completed',
        attempts: 1,
        railReference: state.railReference,
      });
      expect([...fakes.ledger.postings.keys()].filter((k) => k.startsWith(workflowId)).sort()).toEqual([
        `${workflowId}:reserve`,
        `${workflowId}:settle`,
      ]);
      await recordHistoryIfAsked(latest, 'creator-payout-continued');
    });
  }, 120_000);
});
