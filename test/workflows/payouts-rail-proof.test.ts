import { exportJWK, generateKeyPair } from 'jose';
import type { WorkflowHandle } from '@temporalio/client';
import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout } from '../../client/payouts';
import { createRailEventSigner } from '../../ingress/rail-proof';
import { creatorPayoutWorkflowId, type PayoutStatus } from '../../workflows/payouts/contract';
import { LOCAL_INGRESS_ISSUER, LOCAL_INGRESS_KID } from '../../workflows/shared/trust';
import { signedEvent } from '../support/rail-proof';
import { opsSigner, staffUpdate } from '../support/staff';
import {
  admin,
  balance,
  fast,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  usd,
  waitForState,
  workflowFailure,
  type PayoutHarness,
} from './payouts-harness';

/**
 * A provider event moves money only when proven: the ingress signed it, and the rail itself confirms the failure or
 * the return (with the amount). Counted at the sandboxes and in the ledger, not by the workflow's word.
 */
describe('creatorPayout: rail events are proven before money moves', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const bankMethod = {
    rail: 'bank' as const,
    currency: 'USD' as const,
    country: 'DE',
    iban: 'DE89370400440532013000',
    accountHolderName: 'Ada Creator',
  };
  const postingsOf = (wf: string) => [...h.ledger.postings.keys()].filter((k) => k.startsWith(`${wf}:`)).sort();
  const stepped = (s: PayoutStatus, step: string) => s.timeline.some((t) => t.step === step);
  const reversedAtPsp = async (id: string) =>
    (
      (await (
        await fetch(`${h.psp.url}/v1/transfers/${id}`, { headers: { Authorization: 'Bearer sk_test_local' } })
      ).json()) as { amount_reversed: number }
    ).amount_reversed;

  async function paidPsp(amountMinor: number, returnWindowMs = 30_000) {
    const creatorId = uniqueId('proof');
    await seedCreator(h, { creatorId });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(amountMinor), timing: { ...fast, returnWindowMs } },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    const paid = await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    return { creatorId, wf, handle, reference: paid.railReference as string };
  }

  async function paidBank(amountMinor: number) {
    const creatorId = uniqueId('proofb');
    await seedCreator(h, { creatorId, payoutMethod: bankMethod });
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 300 });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(amountMinor), timing: { ...fast, returnWindowMs: 30_000 } },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    const paid = await waitForState(handle, (s) => s.state === 'paid_in_return_window');
    return { creatorId, wf, handle, reference: paid.railReference as string };
  }

  const forgedReturn = (reference: string, eventId: string) => ({
    source: 'psp',
    eventId,
    kind: 'returned',
    reference,
    code: 'account_closed',
  });

  async function refusedWith(handle: WorkflowHandle, code: string): Promise<PayoutStatus> {
    return waitForState(handle, (s) => s.timeline.some((t) => t.step === 'rail_event_refused' && t.detail === code));
  }

  test('when a forged returned event without a proof reaches a paid payout, then it is refused and nothing is booked', async () => {
    const { creatorId, wf, handle, reference } = await paidPsp(7_000);

    await handle.signal('reportRailEvent', forgedReturn(reference, 'evt_forged_1'));
    const s = await refusedWith(handle, 'token_missing');

    expect(s).toMatchObject({ state: 'paid_in_return_window' });
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:settle`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 7_000);
    expect(await reversedAtPsp(reference)).toBe(0);
    await handle.terminate('test done');
  });

  test('when a returned event carries a proof signed by an untrusted key, then it is refused and nothing is booked', async () => {
    const { creatorId, wf, handle, reference } = await paidPsp(7_000);
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = await exportJWK(privateKey);
    const forger = await createRailEventSigner(
      JSON.stringify({ ...jwk, kid: LOCAL_INGRESS_KID, iss: LOCAL_INGRESS_ISSUER }),
    );
    const event = forgedReturn(reference, 'evt_forged_2');

    await handle.signal('reportRailEvent', { ...event, proof: await forger(wf, 'reportRailEvent', event) });
    // A valid proof for another event does not carry over either.
    const other = await signedEvent(wf, 'reportRailEvent', { ...event, eventId: 'evt_other' });
    await handle.signal('reportRailEvent', { ...event, eventId: 'evt_forged_3', proof: other.proof });
    await refusedWith(handle, 'token_bad_signature');
    await refusedWith(handle, 'proof_event_changed');

    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:settle`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 7_000);
    await handle.terminate('test done');
  });

  test('when a validly signed return is not confirmed by the PSP, then the payout parks for ops, books nothing, and completes when the window ends', async () => {
    const { creatorId, wf, handle, reference } = await paidPsp(7_000, 4_000);

    await handle.signal('reportRailEvent', await signedEvent(wf, 'reportRailEvent', forgedReturn(reference, 'evt_x')));
    const parked = await waitForState(handle, (s) => s.lastErrorCode === 'rail_event_unconfirmed');

    expect(parked).toMatchObject({ state: 'paid_in_return_window', awaiting: { actor: 'ops' } });
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:settle`]);
    expect(await handle.result()).toMatchObject({ state: 'completed' });
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:settle`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 7_000);
  });

  test('when the PSP reverses a transfer in full, then the proven, confirmed event reverses the ledger once', async () => {
    const { creatorId, wf, handle, reference } = await paidPsp(7_000);

    await admin(h.psp.url, `/__admin/transfers/${reference}/reverse`, {});
    // The same event again (a redelivery) changes nothing.
    // (Its reason is the webhook's own, so whichever arrives first, the return ends the payout as returned.)
    const again = await signedEvent(wf, 'reportRailEvent', {
      ...forgedReturn(reference, 'evt_redelivered'),
      code: 'transfer_reversed',
    });
    await handle.signal('reportRailEvent', again);
    await handle.signal('reportRailEvent', again);
    const f = await workflowFailure(handle.result());

    expect(f.type).toBe('Rejected');
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:reverse`, `${wf}:settle`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
    expect(await reversedAtPsp(reference)).toBe(7_000);
  });

  test('when a bank transfer comes back in two partial returns of 50 + 50, then they are summed and the payout reverses in full once', async () => {
    const { creatorId, wf, handle, reference } = await paidBank(10_000);

    await admin(h.bank.url, '/__admin/returns', { endToEndId: reference, code: 'MS03', amountMinor: 5_000 });
    const part = await waitForState(handle, (s) => s.lastErrorCode === 'partial_return');
    expect(part.awaiting?.reason).toContain('5000 of 10000');
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:settle`]);

    await admin(h.bank.url, '/__admin/returns', { endToEndId: reference, code: 'MS03', amountMinor: 5_000 });
    const f = await workflowFailure(handle.result());

    expect(f.type).toBe('Rejected');
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:reverse`, `${wf}:settle`]);
    expect(h.ledger.postings.get(`${wf}:reverse`)?.legs.map((l) => Math.abs(l.amountMinor))).toEqual([10_000, 10_000]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000);
  });

  test('when part of a PSP transfer comes back and ops resolve it as partial_return, then exactly the returned amount is booked', async () => {
    const { creatorId, wf, handle, reference } = await paidPsp(7_000);

    await admin(h.psp.url, `/__admin/transfers/${reference}/reverse`, { amount: 2_000 });
    await waitForState(handle, (s) => s.lastErrorCode === 'partial_return');
    await staffUpdate(handle, 'resolvePayout', {
      sign: opsSigner('ops.bob'),
      reason: 'partial return booked',
      outcome: 'partial_return',
    });

    expect(await handle.result()).toMatchObject({ state: 'resolved_manually' });
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:reverse_partial`, `${wf}:settle`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 7_000 - 2_000);
    expect(await reversedAtPsp(reference)).toBe(2_000);
  });

  test('when a signed failed event arrives during confirmation and the bank then settles, then nothing is released and the payout settles', async () => {
    const creatorId = uniqueId('proofc');
    await seedCreator(h, { creatorId, payoutMethod: bankMethod });
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 4_000 });
    const payoutId = `${creatorId}-2026-11`;
    const wf = creatorPayoutWorkflowId(payoutId);
    const { handle } = await startPayout(
      h.client,
      { payoutId, creatorId, period: '2026-11', amount: usd(9_000), timing: { ...fast, returnWindowMs: 1_000 } },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    const waiting = await waitForState(handle, (s) => s.state === 'awaiting_confirmation' && !!s.railReference);
    const failed = {
      source: 'bank',
      eventId: 'ntf-forged',
      kind: 'failed',
      reference: waiting.railReference,
      code: 'AC04',
    };

    await handle.signal('reportRailEvent', await signedEvent(wf, 'reportRailEvent', failed));
    const parked = await waitForState(handle, (s) => stepped(s, 'rail_event_unconfirmed'));
    expect(parked.state).toBe('awaiting_confirmation');

    expect(await handle.result()).toMatchObject({ state: 'completed' });
    expect(postingsOf(wf)).toEqual([`${wf}:reserve`, `${wf}:settle`]);
    expect(await balance(h, Accounts.creatorAvailable(creatorId))).toBe(-100_000 + 9_000);
    await admin(h.bank.url, '/__admin/faults', { settleDelayMs: 300 });
  });
});
