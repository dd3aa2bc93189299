import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout } from '../../client/payouts';
import { creatorPayoutWorkflowId, getPayoutStateQuery } from '../../workflows/payouts/contract';
import { creatorReceivablesStream, recoveryPostingId } from '../../workflows/recon-breaks/contract';
import { recordHistoryIfAsked } from '../support/histories';
import { currentDetails } from './retrying-support';
import {
  balance,
  fast,
  pspTransfers,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  type PayoutHarness,
} from './payouts-harness';

/**
 * Issue 25 item 5: a duplicate disbursement recovered by offset leaves a receivable on the creator
 * (`creator:<id>:receivable`); the creator's next payout nets it (patch `payout-net-receivable`).
 */
describe('creatorPayout nets what the creator owes (real dev server, PSP sandbox)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** The receivable exactly as `recoverDuplicate --mode offset` posts it (recon-breaks' activity). */
  async function openReceivable(creatorId: string, amountMinor: number): Promise<void> {
    await h.ledger.post({
      postingId: recoveryPostingId(`break-${creatorId}`),
      currency: 'USD',
      description: 'test: duplicate disbursement owed back by the creator',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: `break-${creatorId}` },
      legs: [
        { account: Accounts.creatorReceivable(creatorId), amountMinor },
        { account: Accounts.payoutsSettled, amountMinor: -amountMinor },
      ],
    });
  }

  async function pay(creatorId: string, period: string, amountMinor: number) {
    const payoutId = `${creatorId}-${period}`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period, amount: usd(amountMinor), timing: fast },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    const result = await handle.result();
    return { payoutId, wf: creatorPayoutWorkflowId(payoutId), handle, result };
  }

  const transferAmount = async (reference: string | undefined) =>
    (
      (await (
        await fetch(`${h.psp.url}/v1/transfers/${reference}`, { headers: { authorization: 'Bearer sk_test_local' } })
      ).json()) as { amount: number }
    ).amount;

  /** The ledger's own postings of one payout, summed per account. */
  const movedBy = (wf: string) => {
    const sums = new Map<string, number>();
    for (const p of h.ledger.postings.values())
      if (p.refs?.workflowId === wf)
        for (const l of p.legs) sums.set(l.account, (sums.get(l.account) ?? 0) + l.amountMinor);
    return sums;
  };

  test('when the creator owes 30.00 and is paid 100.00, then the rail is paid 70.00 once, the receivable is 0 and the ledger ties out', async () => {
    const creatorId = uniqueId('net');
    await seedCreator(h, { creatorId });
    await openReceivable(creatorId, 3_000);

    const { payoutId, wf, handle, result } = await pay(creatorId, '2026-11', 10_000);

    expect(result).toMatchObject({ state: 'completed', rail: 'psp', attempts: 1 });
    const { posts } = await pspTransfers(h);
    expect(posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`))).toHaveLength(1);
    expect(await transferAmount(result.railReference)).toBe(7_000);
    expect(await balance(h, Accounts.creatorReceivable(creatorId))).toBe(0);
    // The creator gave up the whole 100.00: 30.00 paid what they owed, 70.00 went to the rail.
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 10_000);
    expect(h.ledger.postings.get(`${wf}:net_receivable`)?.legs).toEqual([
      { account: Accounts.creatorAvailable(creatorId), amountMinor: 3_000 },
      { account: Accounts.creatorReceivable(creatorId), amountMinor: -3_000 },
    ]);
    expect(h.ledger.postings.get(`${wf}:reserve`)?.legs[0]?.amountMinor).toBe(7_000);
    const moved = movedBy(wf);
    expect(moved.get(Accounts.payoutsInTransit)).toBe(0);
    expect(moved.get(Accounts.payoutsSettled)).toBe(-7_000);
    expect([...moved.values()].reduce((a, b) => a + b, 0)).toBe(0);
    const netted = await h.audit.list(creatorReceivablesStream(creatorId));
    expect(netted).toEqual([
      expect.objectContaining({
        eventId: `${wf}:net_receivable`,
        type: 'creator.receivable_netted',
        data: expect.objectContaining({ amountMinor: 3_000, currency: 'USD', payoutId }),
      }),
    ]);
    const state = await handle.query(getPayoutStateQuery);
    expect(state.netted).toEqual(usd(3_000));
    expect(state.timeline.map((t) => t.step)).toContain('receivable_netted');
    expect(await currentDetails(h.client, wf)).toContain('Netted against what the creator owed: ');
    // The creator's email states what reached the account, and where the rest went.
    const paid = h.notifications.emails.filter((e) => e.body.includes(payoutId));
    expect(paid.map((e) => e.body)).toEqual([
      `Your payout ${payoutId} of USD 70.00 has been paid. Of your USD 100.00 payout, USD 30.00 went towards the amount you owed from an earlier payment made to you twice.`,
    ]);
    await recordHistoryIfAsked(handle, 'creator-payout-net-receivable');
  });

  test('when the creator owes more than the payout, then nothing goes to the rail, the payout completes netted with the creator told so, and the next payout nets the rest once', async () => {
    const creatorId = uniqueId('netall');
    await seedCreator(h, { creatorId });
    await openReceivable(creatorId, 15_000);

    const first = await pay(creatorId, '2026-11', 10_000);

    expect(first.result).toMatchObject({ state: 'completed', attempts: 1 });
    expect(first.result.rail).toBeUndefined();
    expect((await pspTransfers(h)).posts.filter((p) => p.idempotencyKey?.startsWith(`${first.wf}:`))).toHaveLength(0);
    expect(await balance(h, Accounts.creatorReceivable(creatorId))).toBe(5_000);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 10_000);
    expect(h.ledger.postings.get(`${first.wf}:reserve`)).toBeUndefined();
    const firstState = await first.handle.query(getPayoutStateQuery);
    expect(firstState.timeline.map((t) => t.step)).toEqual(
      expect.arrayContaining(['receivable_netted', 'netted_in_full']),
    );
    expect(h.notifications.events.some((e) => e.type === 'payout.netted' && e.data.payoutId === first.payoutId)).toBe(
      true,
    );
    expect(h.notifications.emails.filter((e) => e.body.includes(first.payoutId)).map((e) => e.subject)).toEqual([
      'Your payout settled what you owed',
    ]);

    const second = await pay(creatorId, '2026-12', 10_000);

    expect(second.result).toMatchObject({ state: 'completed', rail: 'psp' });
    expect(await transferAmount(second.result.railReference)).toBe(5_000);
    expect(await balance(h, Accounts.creatorReceivable(creatorId))).toBe(0);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 20_000);
    expect(
      (await h.audit.list(creatorReceivablesStream(creatorId))).map((e) => [e.type, e.data['amountMinor']]),
    ).toEqual([
      ['creator.receivable_netted', 10_000],
      ['creator.receivable_netted', 5_000],
    ]);
  });

  test('when the creator owes nothing, then the payout runs the activities it ran before (no netting, no patch marker) and pays the whole amount', async () => {
    const creatorId = uniqueId('nonet');
    await seedCreator(h, { creatorId });

    const { wf, handle, result } = await pay(creatorId, '2026-11', 10_000);

    expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
    expect(await transferAmount(result.railReference)).toBe(10_000);
    expect(h.ledger.postings.get(`${wf}:net_receivable`)).toBeUndefined();
    const history = await handle.fetchHistory();
    const activities = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name
        ? [e.activityTaskScheduledEventAttributes.activityType.name]
        : [],
    );
    expect(activities).not.toContain('netCreatorReceivable');
    expect(JSON.stringify(history)).not.toContain('payout-net-receivable');
    expect((await handle.query(getPayoutStateQuery)).netted).toBeUndefined();
  });
});
