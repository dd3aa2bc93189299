import { timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeCreators } from '../../activities/adapters/creators/fake';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import { buildDependencies } from '../../workers/dependencies';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { testConfig } from '../support/stack';

const DAY = 86_400_000;

describe('creatorPayout parked on payability (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('when KYC never completes, then the creator gets reminders and the payout ends NotPayable at its deadline with no money moved', async () => {
    const creators = createFakeCreators([
      {
        creatorId: 'c-park',
        displayName: 'Park',
        email: 'park@creators.example',
        kycStatus: 'required',
        sanctionsStatus: 'clear',
        balanceCurrency: 'USD',
        payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: 'acct_park' },
        earnings: {},
      },
    ]);
    const ledger = createFakeLedger();
    const notifications = createFakeNotifications();
    const taskQueue = 'payouts-parking';
    const deps = buildDependencies(testConfig(), { creators, ledger, notifications, audit: createFakeAudit() });
    const worker = await timeSkippingWorker(env, taskQueue, deps);

    const err = await worker.runUntil(
      env.client.workflow
        .execute('creatorPayout', {
          taskQueue,
          workflowId: creatorPayoutWorkflowId('park-1'),
          args: [
            {
              payoutId: 'park-1',
              creatorId: 'c-park',
              period: '2026-11',
              amount: { amountMinor: 5_000, currency: 'USD' },
              timing: { parkDeadlineMs: 10 * DAY, reminderEveryMs: 3 * DAY },
            },
          ],
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const f = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(f.type).toBe('NotPayable');
    expect(f.message).toContain('kyc_required');
    const reminders = notifications.emails.filter((e) => e.subject.includes('Action needed'));
    expect(reminders.length).toBe(4);
    expect(ledger.postings.size).toBe(0);
    expect(creators.calls.filter((c) => c.startsWith('getCreator')).length).toBeGreaterThan(10);
  });
});
