import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout } from '../../client/payouts';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { recordHistoryIfAsked } from '../support/histories';
import { until } from '../support/wait';
import {
  admin,
  balance,
  pspTransfers,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  waitForState,
  type PayoutHarness,
  fast,
  usd,
} from './payouts-harness';
import { signedEvent } from '../support/rail-proof';
import { opsSigner, staffUpdate } from '../support/staff';

/** Money faults of issue 10: what the sandboxes and the ledger record, not what the workflow says. */
describe('creatorPayout under rail and directory faults (real dev server)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  const opts = () => ({ taskQueue: h.config.TEMPORAL_TASK_QUEUE });
  const pspCalls = async () =>
    (
      (await (await fetch(`${h.psp.url}/__admin/calls`)).json()) as {
        calls: Array<{ path: string; idempotencyKey: string | null }>;
      }
    ).calls;
  const outcome = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (err: unknown) => ({ error: err instanceof Error ? `${err.message}: ${String(err.cause)}` : String(err) }),
    );

  test('when the payout method is removed while the first initiation response is lost, then the retry pays the fixed destination once and nothing is released', async () => {
    const creatorId = uniqueId('lost');
    await seedCreator(h, { creatorId });
    const before = (await pspTransfers(h)).created;
    await admin(h.psp.url, '/__admin/faults', { timeoutNext: 2, timeoutPhase: 'after', hangMs: 2_000 });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(4_321), timing: fast },
      opts(),
    );
    // The PSP's answer to the payout's first call is lost (before the fix: the transfer itself, made but unanswered;
    // since: the look-up that precedes it); meanwhile the creator removes the method, before the activity's retry.
    await until(
      async () =>
        (await pspCalls()).some((c) => c.path.includes(wf) || c.idempotencyKey?.startsWith(wf)) ? true : undefined,
      15_000,
    );
    await admin(h.creators.url, `/__admin/creators/${creatorId}`, { payoutMethod: null }, 'PATCH');

    const result = await outcome(handle.result());
    await admin(h.psp.url, '/__admin/faults', {}, 'DELETE');

    expect(result).toMatchObject({ value: { state: 'completed', attempts: 1 } });
    expect((await pspTransfers(h)).created).toBe(before + 1);
    expect(h.ledger.postings.get(`${wf}:release`)).toBeUndefined();
    expect(h.ledger.postings.get(`${wf}:settle`)).toBeDefined();
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain(`acct_${creatorId.replace(/-/g, '_')}`);
    await recordHistoryIfAsked(handle, 'creator-payout-fixed-destination');
  }, 60_000);

  test('when the PSP refuses the transfer with 429 and Retry-After, then the retry creates it once without spending another look-up', async () => {
    const creatorId = uniqueId('limited');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    // One token, refilled every 2 s: the look-up before the create takes it, so the create meets the limiter.
    await admin(h.psp.url, '/__admin/rate-limit', { rps: 0.5, burst: 1 });
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(2_468), timing: fast },
      opts(),
    );
    const result = await outcome(handle.result());
    await admin(h.psp.url, '/__admin/rate-limit', {}, 'DELETE');

    expect(result).toMatchObject({ value: { state: 'completed', attempts: 1 } });
    const mine = (await pspCalls()) as Array<{
      method?: string;
      path: string;
      idempotencyKey: string | null;
      status?: number;
    }>;
    const creates = mine.filter((c) => c.method === 'POST' && c.idempotencyKey?.startsWith(wf));
    expect(creates.filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(creates.filter((c) => c.status === 200)).toHaveLength(1);
    const lookups = mine.filter((c) => c.path.startsWith(`/v1/transfers?transfer_group=${wf}&`) && c.status === 200);
    expect(lookups).toHaveLength(1);
  }, 60_000);

  test('when ops resolve a returned payout as paid elsewhere, then the creator balance is debited again', async () => {
    const creatorId = uniqueId('else');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(6_000), timing: { ...fast, returnWindowMs: 20_000 } },
      opts(),
    );
    const paid = await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    await admin(h.psp.url, '/__admin/faults', { holdWebhooks: true });
    await admin(h.psp.url, `/__admin/transfers/${paid.railReference}/reverse`, {});
    await handle.signal(
      'reportRailEvent',
      await signedEvent(handle.workflowId, 'reportRailEvent', {
        source: 'psp',
        eventId: 'evt_return_then_elsewhere',
        kind: 'returned',
        reference: paid.railReference,
        code: 'account_closed',
      }),
    );
    await admin(h.psp.url, '/__admin/faults', { holdWebhooks: false });
    await waitForState(handle, (s) => s.state === 'awaiting_new_details');
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);

    await staffUpdate(handle, 'resolvePayout', {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'paid by wire outside the system',
      outcome: 'paid_elsewhere',
    });
    await handle.result();

    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 6_000);
    await recordHistoryIfAsked(handle, 'creator-payout-paid-elsewhere-after-return');
  });

  test('when ops abandon a bank payout the bank has accepted but not settled, then the reservation is kept', async () => {
    const creatorId = uniqueId('aband');
    await seedCreator(h, {
      creatorId,
      payoutMethod: { rail: 'bank', currency: 'USD', country: 'DE', iban: 'DE89370400440532013000' },
    });
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 600_000 });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(3_000), timing: { ...fast, pollInitialMs: 60_000 } },
      opts(),
    );
    await waitForState(handle, (s) => s.state === 'awaiting_confirmation');

    await staffUpdate(handle, 'resolvePayout', {
      operator: 'ops.bob',
      sign: opsSigner('ops.bob'),
      reason: 'giving up on this transfer',
      outcome: 'abandoned',
    });
    await outcome(handle.result());
    await admin(h.bank.url, '/__admin/faults', {}, 'DELETE');

    expect(h.ledger.postings.get(`${wf}:release`)).toBeUndefined();
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 3_000);
  });

  test('when a PSP transfer is partly reversed, then nothing is reversed in the ledger and the payout parks for ops until resolved', async () => {
    const creatorId = uniqueId('part');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(6_000), timing: { ...fast, returnWindowMs: 20_000 } },
      opts(),
    );
    const paid = await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    await admin(h.psp.url, `/__admin/transfers/${paid.railReference}/reverse`, { amount: 1_000 });
    const parked = await waitForState(
      handle,
      (s) => s.lastErrorCode === 'partial_return' || s.state !== 'paid_in_return_window',
    );

    expect(h.ledger.postings.get(`${wf}:reverse`)).toBeUndefined();
    expect(parked).toMatchObject({ state: 'paid_in_return_window', lastErrorCode: 'partial_return' });
    expect(parked.awaiting?.actor).toBe('ops');
    expect(parked.awaiting?.until).toBeDefined();
    await staffUpdate(handle, 'resolvePayout', {
      operator: 'ops.carol',
      sign: opsSigner('ops.carol'),
      reason: 'partial reversal reconciled by hand',
      outcome: 'paid_elsewhere',
    });
    expect(await handle.result()).toMatchObject({ state: 'resolved_manually' });
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 6_000);
    await recordHistoryIfAsked(handle, 'creator-payout-partial-return');
  });
});
