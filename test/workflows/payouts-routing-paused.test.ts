import { startPayout } from '../../client/payouts';
import { pausePspCalls, resumePspCalls } from '../../client/psp-control';
import type { ProviderId } from '../../workflows/routing/contract';
import {
  creatorPayoutWorkflowId,
  getPayoutStateQuery,
  payoutAuditStream,
  updatePayoutMethodSignal,
} from '../../workflows/payouts/contract';
import { ROUTING_AUDIT } from '../../workflows/payouts/routed';
import { until } from '../support/wait';
import { SCHEDULED } from './psp-queue-support';
import { pspIncidentSignal } from '../../workflows/shared/ops-notices';
import {
  adyenTransfers,
  admin,
  fast,
  pspTransfers,
  seedCreator,
  startPayoutHarness,
  uniqueId,
  waitForState,
  type PayoutHarness,
} from './payouts-harness';
import { euroCreator, eur, LARGE_EUR } from '../support/routed-creators';

/**
 * Issue 25 item 4 on the real dev server with both PSP sandboxes: a provider paused by ops is ineligible for new
 * routing decisions. The payout learns it from the server's queue (read with its profile, no activity of its own)
 * and from per-provider `pspIncident` notices; it never learns it from a pause of the other provider.
 */

/** Below the table's `eur-large` rule: the fallback order (Stripe first). */
const SMALL = 20_000;

describe('creatorPayout routing around a paused provider (real dev server, Stripe and Adyen sandboxes)', () => {
  let h: PayoutHarness;
  const queue = () => h.config.TEMPORAL_TASK_QUEUE;
  beforeAll(async () => {
    h = await startPayoutHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const pause = (provider: ProviderId, incidentId: string) =>
    pausePspCalls(h.client, { provider, incidentId, reason: 'test incident', taskQueue: queue() });
  const resume = (provider: ProviderId) =>
    resumePspCalls(h.client, { provider, ratePerSecond: 1_000, taskQueue: queue() });

  const start = async (creatorId: string, amountMinor: number) => {
    const payoutId = `${creatorId}-2026-11`;
    const { handle } = await startPayout(
      h.client,
      {
        payoutId,
        creatorId,
        period: '2026-11',
        amount: eur(amountMinor),
        // The re-check of a payout parked on paused providers (capped at a minute) comes quickly here.
        timing: { ...fast, recheckEveryMs: 500 },
      },
      { taskQueue: queue() },
    );
    return { handle, wf: creatorPayoutWorkflowId(payoutId) };
  };
  const auditOf = (wf: string) => h.audit.events.filter((e) => e.stream === payoutAuditStream(wf));
  const decidedOf = (wf: string) => auditOf(wf).find((e) => e.type === ROUTING_AUDIT.decided)?.data;
  const stripePaid = async (wf: string) =>
    (await pspTransfers(h)).posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`) && p.status === 200);
  const adyenPosts = async (wf: string) =>
    (await adyenTransfers(h)).posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`));
  const adyenExecuted = async (wf: string) =>
    (await adyenTransfers(h)).executed.filter((t) => t.idempotencyKey?.startsWith(`${wf}:`));

  test('when Adyen is paused before the payout starts, then a payout the table sends to Adyen goes to Stripe with Adyen skipped as paused, and Adyen is never called', async () => {
    const creatorId = uniqueId('paused-adyen');
    await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
    await pause('adyen', 'INC-PAUSE-A1');
    try {
      const { handle, wf } = await start(creatorId, LARGE_EUR);

      const result = await handle.result();

      expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
      expect(decidedOf(wf)).toMatchObject({
        provider: 'stripe',
        ruleId: 'eur-large',
        fallbacks: [],
        skipped: [{ provider: 'adyen', why: 'paused' }],
      });
      expect(await stripePaid(wf)).toHaveLength(1);
      expect(await adyenPosts(wf)).toHaveLength(0);
      expect(auditOf(wf).some((e) => e.type === ROUTING_AUDIT.failover)).toBe(false);
    } finally {
      await resume('adyen');
    }
  });

  test('when Stripe is paused before the payout starts, then a payout the table sends to Stripe goes to Adyen with Stripe skipped as paused, and Stripe is never called', async () => {
    const creatorId = uniqueId('paused-stripe');
    await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
    await pause('stripe', 'INC-PAUSE-S1');
    try {
      const { handle, wf } = await start(creatorId, SMALL);

      const result = await handle.result();

      expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
      expect(decidedOf(wf)).toMatchObject({
        provider: 'adyen',
        fallbacks: [],
        skipped: [{ provider: 'stripe', why: 'paused' }],
      });
      expect(await adyenExecuted(wf)).toHaveLength(1);
      expect((await pspTransfers(h)).posts.filter((p) => p.idempotencyKey?.startsWith(`${wf}:`))).toHaveLength(0);
    } finally {
      await resume('stripe');
    }
  });

  test("when both providers are paused, then the payout takes the table's choice and waits on its paused queue (no park, no re-check), and once the pauses end it pays there once", async () => {
    const creatorId = uniqueId('paused-both');
    await seedCreator(h, euroCreator(creatorId, { stripe: true, adyen: true }), 500_000);
    await pause('stripe', 'INC-PAUSE-B1');
    await pause('adyen', 'INC-PAUSE-B2');
    let resumed = false;
    try {
      const { handle, wf } = await start(creatorId, LARGE_EUR);

      // Scheduled on Adyen's paused queue, not started: waiting costs the payout nothing until the resume.
      await until(async () => {
        const d = await handle.describe();
        const a = d.raw.pendingActivities?.find((x) => x.activityType?.name === 'initiateAdyenPayout');
        return a?.state === SCHEDULED ? true : undefined;
      }, 60_000);
      expect(decidedOf(wf)).toMatchObject({ provider: 'adyen', ruleId: 'eur-large' });
      expect(auditOf(wf).filter((e) => e.type === ROUTING_AUDIT.unroutable)).toHaveLength(0);
      expect(await adyenPosts(wf)).toHaveLength(0);

      await resume('stripe');
      await resume('adyen');
      resumed = true;
      const result = await handle.result();

      expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
      expect(await adyenExecuted(wf)).toHaveLength(1);
      expect(await stripePaid(wf)).toHaveLength(0);
    } finally {
      if (!resumed) {
        await resume('stripe');
        await resume('adyen');
      }
    }
  });

  test('when a payout is told Adyen is paused (a notice naming the provider) before it routes, then it passes over Adyen, not Stripe', async () => {
    const creatorId = uniqueId('notice-adyen');
    // No destination yet: the payout parks before routing, and gets the notice there.
    await seedCreator(h, euroCreator(creatorId, {}), 500_000);
    const { handle, wf } = await start(creatorId, LARGE_EUR);
    await waitForState(handle, (s) => s.lastErrorCode === 'unroutable');
    await handle.signal(pspIncidentSignal, {
      incidentId: 'INC-NOTICE-A1',
      at: new Date().toISOString(),
      provider: 'adyen',
    });
    await admin(
      h.creators.url,
      `/__admin/creators/${creatorId}`,
      { payoutMethod: euroCreator(creatorId, { stripe: true, adyen: true }).payoutMethod },
      'PATCH',
    );
    await handle.signal(updatePayoutMethodSignal, { reason: 'added both destinations' });

    const result = await handle.result();

    expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
    expect(decidedOf(wf)).toMatchObject({ provider: 'stripe', skipped: [{ provider: 'adyen', why: 'paused' }] });
    expect(await adyenPosts(wf)).toHaveLength(0);
    expect((await handle.query(getPayoutStateQuery)).provider).toBe('stripe');
  });
});
