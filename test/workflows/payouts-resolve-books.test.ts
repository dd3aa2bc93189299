import type { WorkflowHandle } from '@temporalio/client';
import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout } from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { opsSigner, staffUpdate } from '../support/staff';
import {
  balance,
  fast,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  waitForState,
  type PayoutHarness,
} from './payouts-harness';

/** N5 / N18: "paid elsewhere" books the payment whatever the ledger held, and never overdraws the creator. */
describe('creatorPayout resolved as paid elsewhere (real dev server)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const opts = () => ({ taskQueue: h.config.TEMPORAL_TASK_QUEUE });
  const resolve = (handle: WorkflowHandle, outcome: string) =>
    staffUpdate(handle, 'resolvePayout', {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'paid by wire',
      outcome,
    });

  test('when ops resolve a payout parked before its reservation as paid elsewhere, then the creator available balance is debited once', async () => {
    const creatorId = uniqueId('else-none');
    await seedCreator(h, { creatorId, kycStatus: 'pending' });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(6_000), timing: fast },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability');

    await resolve(handle, 'paid_elsewhere');

    await expect(handle.result()).resolves.toMatchObject({ state: 'resolved_manually' });
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 6_000);
    expect(await h.ledger.getPosting(`${creatorPayoutWorkflowId(payoutId)}:settle_elsewhere`)).toMatchObject({
      mustStayNonNegative: [Accounts.creatorAvailable(creatorId)],
    });
  });

  test('when the balance cannot cover a payout paid elsewhere, then nothing is booked and it waits on ops visibly until the balance is corrected', async () => {
    const creatorId = uniqueId('else-short');
    await seedCreator(h, { creatorId, kycStatus: 'pending' }, 1_000);
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(6_000), timing: fast },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_payability');

    await resolve(handle, 'paid_elsewhere');

    const parked = await waitForState(handle, (s) => s.lastErrorCode === 'paid_elsewhere_unbooked');
    expect(parked).toMatchObject({ state: 'awaiting_payability', awaiting: { actor: 'ops' } });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-1_000);
    expect(await h.ledger.getPosting(`${creatorPayoutWorkflowId(payoutId)}:settle_elsewhere`)).toBeUndefined();

    // Finance corrects the balance (the earnings were booked late), then ops resolve again.
    await h.ledger.post({
      postingId: `late-earnings-${creatorId}`,
      currency: 'USD',
      description: 'late earnings',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'test-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: 10_000 },
        { account: Accounts.creatorAvailable(creatorId), amountMinor: -10_000 },
      ],
    });
    await resolve(handle, 'paid_elsewhere');

    await expect(handle.result()).resolves.toMatchObject({ state: 'resolved_manually' });
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-11_000 + 6_000);
  });
});
