import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout, updatePayoutMethod } from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import type { PayoutCarry } from '../../workflows/payouts/carry';
import { SA } from '../../workflows/shared/search-attributes';
import { signedEvent } from '../support/rail-proof';
import { opsSigner, staffUpdate } from '../support/staff';
import {
  admin,
  balance,
  fast,
  pspTransfers,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  waitForState,
  workflowFailure,
  type PayoutHarness,
} from './payouts-harness';

/** Issue 20 items 2 and 5: what a payout trusts when it resumes or wakes (carry, ledger, destination). */
describe('creatorPayout trusts only a real continue-as-new and a new destination (real dev server)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const opts = () => ({ taskQueue: h.config.TEMPORAL_TASK_QUEUE });
  const postingsOf = (wf: string) => [...h.ledger.postings.keys()].filter((id) => id.startsWith(`${wf}:`));
  const transfersOf = async (wf: string) =>
    (await pspTransfers(h)).posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`));

  test('when a payout is started by hand with a carry, then it is refused at once as carry_not_from_continue_as_new, nothing is booked and nothing is sent', async () => {
    const creatorId = uniqueId('forged');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const now = Date.now();
    const carry: PayoutCarry = {
      attempt: 1,
      rail: 'psp',
      railReference: 'tr_forged',
      ledger: 'reserved',
      timeline: [],
      events: { seen: [], byReference: [], loose: [] },
      reportedToRun: false,
      confirmation: { sinceMs: now, deadlineMs: now + 60_000, status: 'paid', polls: 0, overduePolls: 0 },
    };
    const handle = await h.client.workflow.start('creatorPayout', {
      ...opts(),
      workflowId: wf,
      args: [{ payoutId, creatorId, period: '2026-11', amount: usd(5_000), timing: fast }, carry],
    });

    const failure = await workflowFailure(handle.result());

    expect(failure).toMatchObject({ type: 'InvalidInput', details: [{ code: 'carry_not_from_continue_as_new' }] });
    expect((await handle.describe()).typedSearchAttributes.get(SA.LastErrorCode)).toBe(
      'carry_not_from_continue_as_new',
    );
    expect(postingsOf(wf)).toEqual([]);
    expect(await transfersOf(wf)).toEqual([]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    const scheduled = (await handle.fetchHistory()).events?.filter((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled).toEqual([]);
  });

  test('when a continued payout carries a ledger position the ledger does not hold, then nothing moves and it waits on ops; resolving books from what the ledger says', async () => {
    const creatorId = uniqueId('drift');
    await seedCreator(h, {
      creatorId,
      payoutMethod: { rail: 'bank', currency: 'USD', country: 'DE', iban: 'DE89370400440532013000' },
    });
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 600_000 });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    // The books already hold a release of this payout's reservation (booked by hand, or by a bug): the first run
    // reserves and carries "reserved", but the ledger says the money is back in the creator's balance.
    await h.ledger.post({
      postingId: `${wf}:release`,
      currency: 'USD',
      description: `payout ${payoutId}: release`,
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: wf },
      legs: [
        { account: Accounts.payoutsInTransit, amountMinor: 5_000 },
        { account: Accounts.creatorAvailable(creatorId), amountMinor: -5_000 },
      ],
    });
    await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(5_000), timing: { ...fast, pollsPerExecution: 1 } },
      opts(),
    );
    const latest = h.client.workflow.getHandle(wf);

    const parked = await waitForState(latest, (s) => s.lastErrorCode === 'carry_ledger_mismatch');

    expect(parked).toMatchObject({ state: 'awaiting_confirmation', awaiting: { actor: 'ops' } });
    expect(parked.timeline.map((t) => t.step)).toContain('continued_as_new');
    await staffUpdate(latest, 'resolvePayout', {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'books disagree',
      outcome: 'abandoned',
    });
    await expect(latest.result()).resolves.toMatchObject({ state: 'resolved_manually' });
    // The ledger said "none": resolving releases nothing a second time and settles nothing.
    expect(postingsOf(wf).sort()).toEqual([`${wf}:release`, `${wf}:reserve`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    await admin(h.bank.url, '/__admin/faults', {}, 'DELETE');
  });

  test('when a returned payout is woken while the method on file still pays the account that bounced, then it keeps waiting and pays only once the account changed', async () => {
    const creatorId = uniqueId('bounce');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(7_000), timing: { ...fast, returnWindowMs: 20_000 } },
      opts(),
    );
    const paid = await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    // The account bounced: the PSP reversed the transfer in full, and the ingress delivers its signed event with the
    // reason. The sandbox's own `transfer.reversed` webhook (no reason) is held, so which of two claims of the same
    // reversal arrives first does not decide this test.
    await admin(h.psp.url, '/__admin/faults', { holdWebhooks: true });
    await admin(h.psp.url, `/__admin/transfers/${paid.railReference}/reverse`, {});
    await handle.signal(
      'reportRailEvent',
      await signedEvent(wf, 'reportRailEvent', {
        source: 'psp',
        eventId: 'evt_bounce',
        kind: 'returned',
        reference: paid.railReference,
        code: 'account_closed',
      }),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_new_details');
    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE'); // webhooks flow again; the held one stays held

    // The creator "saves" the same account under another holder name; then ops press retry now.
    await admin(h.creators.url, `/__admin/creators/${creatorId}`, { displayName: 'Renamed' }, 'PATCH');
    await updatePayoutMethod(h.client, payoutId, { reason: 'same account again' });
    await waitForState(handle, (s) => s.timeline.filter((t) => t.step === 'same_destination').length === 1);
    await staffUpdate(handle, 'retryPayoutNow', {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'try again',
    });
    const waiting = await waitForState(
      handle,
      (s) => s.timeline.filter((t) => t.step === 'same_destination').length === 2,
    );
    expect(waiting).toMatchObject({ state: 'awaiting_new_details', attempt: 1 });
    expect(await transfersOf(wf)).toHaveLength(1);

    await admin(
      h.creators.url,
      `/__admin/creators/${creatorId}`,
      {
        payoutMethod: {
          rail: 'psp',
          currency: 'USD',
          country: 'US',
          accountToken: `acct_${creatorId.replace(/-/g, '_')}_new`,
        },
      },
      'PATCH',
    );
    await updatePayoutMethod(h.client, payoutId, { reason: 'new account' });
    await waitForState(handle, (s) => s.state === 'paid_in_return_window' && s.attempt === 2);
    expect([...new Set((await transfersOf(wf)).map((p) => p.idempotencyKey))]).toEqual([
      `${wf}:initiate`,
      `${wf}:initiate-2`,
    ]);
    await staffUpdate(handle, 'resolvePayout', {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'test ends early',
      outcome: 'paid_elsewhere',
    });
    await expect(handle.result()).resolves.toMatchObject({ state: 'resolved_manually', attempts: 2 });
  });
});
