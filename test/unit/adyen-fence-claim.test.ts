import { createAdyenPayoutActivities } from '../../activities/payouts/adyen';
import type { PayoutProviderPort, TransferSummary } from '../../activities/adapters/adyen/port';
import { destinationStream } from '../../activities/payouts/rail';
import { fakeDeps } from '../support/time-skipping';

/**
 * The fence's "never started" proof is a compare-and-set on the attempt's reference (activities/payouts/adyen.ts):
 * whichever of the attempt and the fence claims it first holds, so an attempt handed to a worker just as its timeout
 * fired can never call Adyen after the workflow proved it never started and paid through another provider.
 */
function setUp() {
  const created: string[] = [];
  const adyen: PayoutProviderPort = {
    async createTransfer(i): Promise<TransferSummary> {
      created.push(i.reference);
      return { transferId: `tr_${created.length}`, status: 'pending', providerStatus: 'received', amount: i.amount };
    },
    findTransfer: async () => undefined,
    getTransfer: async () => {
      throw new Error('not used');
    },
  };
  const deps = { ...fakeDeps(), adyen };
  return { deps, created, acts: createAdyenPayoutActivities(deps) };
}

const key = 'payout-c-fence-2026-12:initiate:adyen';
const workflowId = 'payout-c-fence-2026-12';
const attempt = {
  workflowId,
  idempotencyKey: key,
  creatorId: 'c-fence',
  amount: { amountMinor: 5_000, currency: 'EUR' as const },
  reference: workflowId,
  destinationId: 'dst_fence',
};

async function keepDestination(deps: ReturnType<typeof setUp>['deps']) {
  await deps.audit.append({
    stream: destinationStream('dst_fence'),
    eventId: 'destination',
    at: new Date().toISOString(),
    type: 'payout.destination_fixed',
    data: { adyenBalanceAccountId: 'BA00000000000000CREATOR1' },
  });
}

describe('the Adyen attempt and the fence claim the reference once', () => {
  test('when the fence claims first, then a late attempt is refused without calling Adyen and the fence keeps its answer', async () => {
    const { deps, created, acts } = setUp();
    await keepDestination(deps);

    expect(await acts.adyenAttemptStarted({ idempotencyKey: key, workflowId })).toEqual({ started: false });
    await expect(acts.initiateAdyenPayout(attempt)).rejects.toMatchObject({
      type: 'ProviderPermanent',
      details: [{ code: 'attempt_fenced' }],
    });

    expect(created).toEqual([]);
    expect(await acts.adyenAttemptStarted({ idempotencyKey: key, workflowId })).toEqual({ started: false });
  });

  test('when an attempt claims first, then the fence finds it started, and the attempt retried calls Adyen again under the same reference', async () => {
    const { deps, created, acts } = setUp();
    await keepDestination(deps);

    await acts.initiateAdyenPayout(attempt);
    expect(await acts.adyenAttemptStarted({ idempotencyKey: key, workflowId })).toEqual({ started: true });
    await acts.initiateAdyenPayout(attempt);

    expect(created).toEqual([key, key]);
  });
});
