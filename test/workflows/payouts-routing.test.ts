import { Accounts } from '../../activities/adapters/ledger/port';
import type { AuditEvent } from '../../workflows/shared/activities';
import { startPayout } from '../../client/payouts';
import { setLimit } from '../../client/psp-pacing';
import { suffixedTaskQueue } from '../../workflows/shared/task-queue';
import {
  creatorPayoutWorkflowId,
  getPayoutStateQuery,
  payoutAuditStream,
  updatePayoutMethodSignal,
} from '../../workflows/payouts/contract';
import { ROUTING_AUDIT } from '../../workflows/payouts/routed';
import { SA } from '../../workflows/shared/search-attributes';
import {
  adyenTransfers,
  admin,
  fast,
  pspTransfers,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  waitForState,
  workflowFailure,
  type PayoutHarness,
} from './payouts-harness';
import { euroCreator, eur, LARGE_EUR } from '../support/routed-creators';

/**
 * Routed PSP payouts (issue 25, patch `payout-routing`) on the real dev server with both PSP sandboxes: the table
 * picks the provider, the decision is audited, and the payout leaves a provider only on a definitive refusal whose
 * evidence is in the audit stream before the next provider is called. Counts come from the sandboxes' own records.
 */

describe('creatorPayout routed between two PSPs (real dev server, Stripe and Adyen sandboxes)', () => {
  let h: PayoutHarness;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(async () => {
    await fetch(`${h.adyen.url}/__admin/faults`, { method: 'DELETE' });
  });

  const start = async (
    creatorId: string,
    amountMinor = LARGE_EUR,
    failover?: { budgetMs: number; fenceHorizonMs: number },
  ) => {
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      {
        payoutId,
        creatorId,
        period: '2026-11',
        amount: eur(amountMinor),
        timing: fast,
        ...(failover ? { failover } : {}),
      },
      { taskQueue: h.config.TEMPORAL_TASK_QUEUE },
    );
    return { handle, payoutId, wf: creatorPayoutWorkflowId(payoutId) };
  };
  const auditOf = (wf: string) => h.audit.events.filter((e) => e.stream === payoutAuditStream(wf));
  const stripePostsOf = async (wf: string) =>
    (await pspTransfers(h)).posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`));
  const adyenOf = async (wf: string) => {
    const a = await adyenTransfers(h);
    return {
      executed: a.executed.filter((t) => t.idempotencyKey?.startsWith(`${wf}:`)),
      posts: a.posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`)),
    };
  };

  test('when a large euro payout is routed, then the table sends it to Adyen, Adyen pays it once, and the decision is in the audit trail, the timeline and the Rail attribute', async () => {
    const creatorId = uniqueId('route-adyen');
    await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
    const { handle, wf } = await start(creatorId);

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'psp', attempts: 1 });
    const adyen = await adyenOf(wf);
    expect(adyen.executed).toHaveLength(1);
    expect(adyen.executed[0]).toMatchObject({
      idempotencyKey: `${wf}:initiate:adyen`,
      reference: `${wf}:initiate:adyen`,
      status: 'booked',
    });
    expect(result.railReference).toBe(adyen.executed[0]?.id);
    expect(await stripePostsOf(wf)).toHaveLength(0);
    const decided = auditOf(wf).find((e) => e.type === ROUTING_AUDIT.decided);
    expect(decided?.data).toMatchObject({
      kind: 'routed',
      provider: 'adyen',
      fallbacks: ['stripe'],
      ruleId: 'eur-large',
      tableVersion: '2026-12.1',
      skipped: [],
    });
    const state = await handle.query(getPayoutStateQuery);
    expect(state.provider).toBe('adyen');
    expect(state.timeline.map((t) => t.step)).toContain('routed');
    expect((await handle.describe()).typedSearchAttributes.get(SA.Rail)).toBe('psp-adyen');
    // Booked under Adyen's own rail name, so only the Adyen reconciliation account expects it.
    expect(h.ledger.postings.get(`${wf}:settle`)?.refs).toMatchObject({
      rail: 'psp-adyen',
      railRef: result.railReference,
    });
    expect(await h.ledger.balance(Accounts.creatorAvailable(creatorId), 'EUR')).toBe(-500_000 + LARGE_EUR);
  });

  test('when Adyen refuses for insufficient balance, then the refusal (code and request ID) is in the audit stream before Stripe is called, and Stripe pays once', async () => {
    const creatorId = uniqueId('route-refused');
    const creator = euroCreator(creatorId, { stripe: true, adyen: true });
    await seedCreator(h, creator, 500_000);
    await admin(h.adyen.url, '/__admin/faults', {
      refuseCounterparties: { [creator.payoutMethod.adyenBalanceAccountId ?? '']: 'notEnoughBalance' },
    });
    // What Stripe had been asked when the evidence was written (the audit port is the worker's own object).
    let stripePostsAtEvidence: number | undefined;
    const append = h.audit.append.bind(h.audit);
    h.audit.append = async (e: AuditEvent) => {
      if (e.type === ROUTING_AUDIT.failover) stripePostsAtEvidence = (await stripePostsOf(e.stream.slice(7))).length;
      return append(e);
    };
    try {
      const { handle, wf } = await start(creatorId);

      const result = await handle.result();

      expect(result).toMatchObject({ state: 'completed', rail: 'psp', attempts: 1 });
      const failover = auditOf(wf).find((e) => e.type === ROUTING_AUDIT.failover);
      expect(failover?.data).toMatchObject({
        from: 'adyen',
        to: 'stripe',
        basis: 'definitive_refusal',
        evidence: { kind: 'refusal', provider: 'adyen', code: 'notEnoughBalance', requestId: expect.any(String) },
      });
      expect((failover?.data.evidence as { requestId: string }).requestId).not.toBe('');
      expect(stripePostsAtEvidence).toBe(0);
      const adyen = await adyenOf(wf);
      expect(adyen.executed.map((t) => t.status)).toEqual(['refused']);
      const stripe = await stripePostsOf(wf);
      expect(stripe.filter((p) => p.status === 200)).toHaveLength(1);
      // Each provider saw only its own key.
      expect(stripe.every((p) => p.idempotencyKey === `${wf}:initiate`)).toBe(true);
      expect(adyen.posts.every((p) => p.idempotencyKey === `${wf}:initiate:adyen`)).toBe(true);
      expect(result.railReference).toMatch(/^tr_/);
      const state = await handle.query(getPayoutStateQuery);
      expect(state.provider).toBe('stripe');
      expect(state.timeline.map((t) => t.step)).toEqual(expect.arrayContaining(['routed', 'failover']));
      expect((await handle.describe()).typedSearchAttributes.get(SA.Rail)).toBe('psp');
    } finally {
      h.audit.append = append;
    }
  });

  test('when Adyen answers a code nobody mapped, then the payout retries at Adyen with the same key and never calls Stripe', async () => {
    const creatorId = uniqueId('route-unknown');
    await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
    await admin(h.adyen.url, '/__admin/faults', {
      errorNext: 2,
      error: { status: 422, errorCode: '99_999', title: 'Unmapped error' },
      faultMethod: 'POST',
    });
    const { handle, wf } = await start(creatorId);

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
    const adyen = await adyenOf(wf);
    expect(adyen.posts.map((p) => p.status)).toEqual([422, 422, 200]);
    expect(adyen.posts.every((p) => p.idempotencyKey === `${wf}:initiate:adyen`)).toBe(true);
    expect(adyen.executed).toHaveLength(1);
    expect(await stripePostsOf(wf)).toHaveLength(0);
    expect(auditOf(wf).some((e) => e.type === ROUTING_AUDIT.failover)).toBe(false);
  });

  test('when Adyen commits the transfer and then answers 500, then the retry with the same key gets that transfer at Adyen and Stripe is never called', async () => {
    const creatorId = uniqueId('route-500');
    await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
    await admin(h.adyen.url, '/__admin/faults', { fail5xxNext: 1, fail5xxPhase: 'after', faultMethod: 'POST' });
    const { handle, wf } = await start(creatorId);

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
    const adyen = await adyenOf(wf);
    expect(adyen.posts.map((p) => p.status)).toEqual([500, 200]);
    expect(adyen.executed).toHaveLength(1);
    expect(result.railReference).toBe(adyen.executed[0]?.id);
    expect(await stripePostsOf(wf)).toHaveLength(0);
    expect(auditOf(wf).some((e) => e.type === ROUTING_AUDIT.failover)).toBe(false);
  });

  test('when the creator holds no destination at the other provider and Adyen refuses, then the payout never leaves Adyen: it fails refused with its reservation released', async () => {
    const creatorId = uniqueId('route-nodest');
    const creator = euroCreator(creatorId, { adyen: true });
    await seedCreator(h, creator, 500_000);
    await admin(h.adyen.url, '/__admin/faults', {
      refuseCounterparties: { [creator.payoutMethod.adyenBalanceAccountId ?? '']: 'notEnoughBalance' },
    });
    const { handle, wf } = await start(creatorId);

    const failure = await workflowFailure(handle.result());

    expect(failure.type).toBe('InsufficientFunds');
    const decided = auditOf(wf).find((e) => e.type === ROUTING_AUDIT.decided);
    expect(decided?.data).toMatchObject({
      provider: 'adyen',
      fallbacks: [],
      skipped: [{ provider: 'stripe', why: 'no_destination' }],
    });
    expect(auditOf(wf).some((e) => e.type === ROUTING_AUDIT.failover)).toBe(false);
    expect(await stripePostsOf(wf)).toHaveLength(0);
    expect(await h.ledger.balance(Accounts.creatorAvailable(creatorId), 'EUR')).toBe(-500_000);
  });

  test('when no provider can pay the creator, then the payout parks for ops with the decision audited, and routes once the creator adds a destination', async () => {
    const creatorId = uniqueId('route-none');
    await seedCreator(h, euroCreator(creatorId, {}), 500_000);
    const { handle, wf } = await start(creatorId);

    const parked = await waitForState(handle, (s) => s.lastErrorCode === 'unroutable');

    expect(parked.awaiting?.actor).toBe('ops');
    expect(auditOf(wf).find((e) => e.type === ROUTING_AUDIT.unroutable)?.data).toMatchObject({
      kind: 'unroutable',
      skipped: expect.arrayContaining([
        { provider: 'adyen', why: 'no_destination' },
        { provider: 'stripe', why: 'no_destination' },
      ]),
    });
    await admin(
      h.creators.url,
      `/__admin/creators/${creatorId}`,
      { payoutMethod: euroCreator(creatorId, { stripe: true }).payoutMethod },
      'PATCH',
    );
    await handle.signal(updatePayoutMethodSignal, { reason: 'added a Stripe account' });

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
    expect((await stripePostsOf(wf)).filter((p) => p.status === 200)).toHaveLength(1);
    expect((await adyenOf(wf)).posts).toHaveLength(0);
  });

  describe('fencing a provider that stays unanswered past the failover budget', () => {
    const short = { budgetMs: 3_000, fenceHorizonMs: 1_500 };
    const adyenQueue = () => suffixedTaskQueue(h.config.TEMPORAL_TASK_QUEUE, 'psp-adyen');

    test("when Adyen's queue is paused past the budget, then the initiation that never reached Adyen is the proof, it is audited, and Stripe pays once", async () => {
      const creatorId = uniqueId('fence-paused');
      await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
      // A queue held at 0 without an incident mark: the routing read does not see it, as when a pause comes after
      // the payout routed (a pause the read sees makes Adyen ineligible instead: payouts-routing-paused.test.ts).
      await setLimit(h.client, adyenQueue(), 0, 'held at 0 by the test after routing');
      try {
        const { handle, wf } = await start(creatorId, LARGE_EUR, short);

        const result = await handle.result();

        expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
        const failover = auditOf(wf).find((e) => e.type === ROUTING_AUDIT.failover);
        expect(failover?.data).toMatchObject({
          from: 'adyen',
          to: 'stripe',
          basis: 'fenced_never_started',
          evidence: { kind: 'fence_never_started', provider: 'adyen', cancelledWithoutStart: true },
        });
        expect((await adyenOf(wf)).posts).toHaveLength(0);
        expect((await stripePostsOf(wf)).filter((p) => p.status === 200)).toHaveLength(1);
      } finally {
        await setLimit(h.client, adyenQueue(), 1_000, 'restored by the test');
      }
    });

    test("when Adyen's queue is held past the budget and the creator can be paid nowhere else, then no fence bars the attempt's key: the payout waits at Adyen and pays there once the queue opens", async () => {
      const creatorId = uniqueId('fence-alone');
      await seedCreator(h, euroCreator(creatorId, { adyen: true }), 500_000);
      await setLimit(h.client, adyenQueue(), 0, 'held at 0 by the test after routing');
      let held = true;
      try {
        const { handle, wf } = await start(creatorId, LARGE_EUR, short);

        await waitForState(handle, (s) => s.timeline.some((t) => t.step === 'fence_no_switch'));
        await setLimit(h.client, adyenQueue(), 1_000, 'restored by the test');
        held = false;
        const result = await handle.result();

        expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
        expect((await adyenOf(wf)).executed).toHaveLength(1);
        expect(auditOf(wf).some((e) => e.type === ROUTING_AUDIT.failover)).toBe(false);
      } finally {
        if (held) await setLimit(h.client, adyenQueue(), 1_000, 'restored by the test');
      }
    });

    test('when an attempt reached Adyen and hangs past the budget, then after the fence horizon a look-up that finds nothing is the proof and Stripe pays once', async () => {
      const creatorId = uniqueId('fence-hang');
      await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
      await admin(h.adyen.url, '/__admin/faults', {
        timeoutNext: 100,
        timeoutPhase: 'before',
        hangMs: 20_000,
        faultMethod: 'POST',
      });
      const { handle, wf } = await start(creatorId, LARGE_EUR, short);

      await waitForState(handle, (s) => s.lastErrorCode === 'provider_fencing');
      const result = await handle.result();

      expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
      const failover = auditOf(wf).find((e) => e.type === ROUTING_AUDIT.failover);
      expect(failover?.data).toMatchObject({
        basis: 'fenced_lookup_absent',
        evidence: { kind: 'fence_lookup', provider: 'adyen', attemptsEnded: true, found: false },
      });
      const evidence = failover?.data.evidence as { lookupAt: number; lastAttemptStartedAt: number };
      expect(evidence.lookupAt - evidence.lastAttemptStartedAt).toBeGreaterThanOrEqual(short.fenceHorizonMs);
      const adyen = await adyenOf(wf);
      expect(adyen.posts.length).toBeGreaterThan(0);
      expect(adyen.executed).toHaveLength(0);
      expect((await stripePostsOf(wf)).filter((p) => p.status === 200)).toHaveLength(1);
    });

    test('when Adyen committed but its answer never came within the budget, then the look-up after the horizon finds the transfer, the payout follows it, and Stripe is never called', async () => {
      const creatorId = uniqueId('fence-found');
      await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
      await admin(h.adyen.url, '/__admin/faults', {
        timeoutNext: 100,
        timeoutPhase: 'after',
        hangMs: 20_000,
        faultMethod: 'POST',
      });
      const { handle, wf } = await start(creatorId, LARGE_EUR, short);

      const result = await handle.result();

      expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
      const adyen = await adyenOf(wf);
      expect(adyen.executed).toHaveLength(1);
      expect(result.railReference).toBe(adyen.executed[0]?.id);
      expect(await stripePostsOf(wf)).toHaveLength(0);
      expect(auditOf(wf).some((e) => e.type === ROUTING_AUDIT.failover)).toBe(false);
      const state = await handle.query(getPayoutStateQuery);
      expect(state.timeline.map((t) => t.step)).toContain('found_at_rail');
    });
  });
});
