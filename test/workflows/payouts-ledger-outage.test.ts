import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createFakeCreators } from '../../activities/adapters/creators/fake';
import type { CreatorRecord } from '../../activities/adapters/creators/port';
import { Accounts, type NewPosting } from '../../activities/adapters/ledger/port';
import { payableCreator } from '../../sandboxes/creators';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What the AWS SDK throws while DynamoDB is down (its errors are classes named after the service's code). */
class ServiceUnavailable extends Error {
  override name = 'ServiceUnavailable';
}

describe('creatorPayout through a ledger outage (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test('when the ledger is down for hours after the transfer was sent, then the payout waits, settles once after recovery and completes', async () => {
    const f = fakeDeps();
    const creatorId = 'c-outage';
    const creators = createFakeCreators([payableCreator(creatorId) as unknown as CreatorRecord]);
    const outage = { down: false, refused: 0 };
    const createTransfer = f.psp.createTransfer.bind(f.psp);
    const deps = {
      ...f,
      creators,
      // The store goes down as the transfer leaves: the settle posting meets the outage.
      psp: {
        ...f.psp,
        createTransfer: async (i: Parameters<typeof createTransfer>[0]) => {
          const r = await createTransfer(i);
          outage.down = true;
          return r;
        },
      },
      ledger: {
        ...f.ledger,
        post: async (p: NewPosting) => {
          if (outage.down) {
            outage.refused++;
            throw new ServiceUnavailable('DynamoDB is unavailable');
          }
          return f.ledger.post(p);
        },
      },
    };
    await f.ledger.post({
      postingId: 'fund-c-outage',
      currency: 'USD',
      description: 'earnings',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'test-funding' },
      legs: [
        { account: Accounts.creatorAvailable(creatorId), amountMinor: -40_000 },
        { account: Accounts.platformCash, amountMinor: 40_000 },
      ],
    });
    const taskQueue = 'payouts-ledger-outage';
    const worker = await timeSkippingWorker(env, taskQueue, deps);
    const payoutId = 'outage-1';
    const workflowId = creatorPayoutWorkflowId(payoutId);

    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('creatorPayout', {
        taskQueue,
        workflowId,
        args: [
          {
            payoutId,
            creatorId,
            period: '2026-11',
            amount: { amountMinor: 40_000, currency: 'USD' },
            timing: { returnWindowMs: 2 * DAY },
          },
        ],
      });
      const deadline = Date.now() + 20_000;
      while (outage.refused === 0) {
        if (Date.now() > deadline) throw new Error('the settle posting never met the outage');
        await new Promise((r) => setTimeout(r, 50));
      }
      await env.sleep(3 * HOUR);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      outage.down = false;
      return handle.result();
    });

    expect(result).toMatchObject({ payoutId, state: 'completed', attempts: 1 });
    expect(f.psp.calls.filter((c) => c.method === 'createTransfer')).toHaveLength(1);
    expect([...f.ledger.postings.keys()].filter((k) => k.endsWith(':settle'))).toEqual([`${workflowId}:settle`]);
    expect(await f.ledger.balance(Accounts.payoutsInTransit, 'USD')).toBe(0);
    expect(await f.ledger.balance(Accounts.payoutsSettled, 'USD')).toBe(-40_000);
  });
});
