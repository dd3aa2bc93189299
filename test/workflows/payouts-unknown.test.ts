import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createFakeCreators } from '../../activities/adapters/creators/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import type { PspPort } from '../../activities/adapters/psp/port';
import { buildDependencies } from '../../workers/dependencies';
import { creatorPayoutWorkflowId, getStateQuery } from '../../workflows/payouts/contract';
import { testConfig } from '../support/stack';
import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';
import { opsSigner, staffUpdate } from '../support/staff';

const DAY = 86_400_000;

describe('creatorPayout when the PSP never answers its initiation (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('when the initiation retries run out without an answer, then the rail is asked, the payout parks for ops with its reservation, and a retry pays once', async () => {
    const creators = createFakeCreators([
      {
        creatorId: 'c-mute',
        displayName: 'Mute',
        email: 'mute@creators.example',
        kycStatus: 'verified',
        sanctionsStatus: 'clear',
        balanceCurrency: 'USD',
        payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: 'acct_mute' },
        earnings: {},
      },
    ]);
    const fakes = fakeDeps();
    await fakes.ledger.post({
      postingId: 'fund-c-mute',
      currency: 'USD',
      description: 'test funding',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'test-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: 10_000 },
        { account: Accounts.creatorAvailable('c-mute'), amountMinor: -10_000 },
      ],
    });
    let down = true;
    const psp: PspPort = {
      ...fakes.psp,
      createTransfer: async (i) => {
        if (down) throw new Error('socket hang up');
        return fakes.psp.createTransfer(i);
      },
    };
    const taskQueue = 'payouts-unknown';
    const deps = buildDependencies(testConfig(), { ...fakes, psp, creators });
    const worker = await timeSkippingWorker(env, taskQueue, deps);
    const workflowId = creatorPayoutWorkflowId('mute-1');
    const postings = () => [...fakes.ledger.postings.keys()].filter((k) => k.startsWith(workflowId)).sort();

    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('creatorPayout', {
        taskQueue,
        workflowId,
        args: [
          {
            payoutId: 'mute-1',
            creatorId: 'c-mute',
            period: '2026-11',
            amount: { amountMinor: 5_000, currency: 'USD' },
            timing: { returnWindowMs: 60_000 },
          },
        ],
      });
      await env.sleep(2 * DAY);

      const parked = await handle.query(getStateQuery);
      expect(parked).toMatchObject({ state: 'awaiting_confirmation', lastErrorCode: 'outcome_unknown' });
      expect(parked.awaiting?.actor).toBe('ops');
      // Parked visibly: ops see by when to act (DeadlineAt), not an open-ended wait.
      expect(parked.awaiting?.until).toBeDefined();
      expect(postings()).toEqual([`${workflowId}:reserve`]);
      expect(fakes.psp.calls.some((c) => c.method === 'findTransfer')).toBe(true);

      down = false;
      await staffUpdate(handle, 'retryPayoutNow', {
        operator: 'ops.eve',
        sign: opsSigner('ops.eve', () => env.currentTimeMs()),
        reason: 'PSP is back',
      });
      expect(await handle.result()).toMatchObject({ state: 'completed', attempts: 1 });
      expect(fakes.psp.transfers.size).toBe(1);
      expect(postings()).toEqual([`${workflowId}:reserve`, `${workflowId}:settle`]);
    });
  }, 120_000);
});
