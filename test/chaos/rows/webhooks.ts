import { randomUUID } from 'node:crypto';
import { stripeSignatureHeader } from '../../../sandboxes/psp';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { admin, adminGet, until } from '../admin';
import { emptyVerdicts } from '../checks';
import { payoutStatus } from '../observe';
import { FAST_TIMING, pool } from '../payouts';
import { payoutRow, untilPsp, type Row, type RowContext } from '../row';

/** Confirmation must come from the webhooks here: the first status poll is far off. */
const WEBHOOK_TIMING = { ...FAST_TIMING, pollInitialMs: 15_000, pollMaxMs: 15_000 };

/** Every event the PSP emitted, delivered `times` more times. */
async function replayAll({ stack }: RowContext, times: number): Promise<void> {
  const { events } = await adminGet<{ events: Array<{ id: string }> }>(stack.psp.url, '/__admin/events');
  for (const e of events) await admin(stack.psp.url, '/__admin/webhooks/replay', { eventId: e.id, times });
}

/** A `payout.failed` naming the payout (it would return the current attempt), signed by an attacker or too late. */
function forgedFailure(workflowId: string, secret: string, t: number) {
  const body = JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type: 'payout.failed',
    created: t,
    data: {
      object: {
        id: `po_${randomUUID().slice(0, 8)}`,
        failure_code: 'account_closed',
        metadata: { reference: workflowId },
      },
    },
  });
  return { body, signature: stripeSignatureHeader(body, secret, t) };
}

/** Webhook faults, all through the real ingress (signature check, dedupe, route, signal). */
export const webhookRows: Row[] = [
  payoutRow({
    // Held, then delivered newest first, then every event three more times, while the payouts wait on them.
    name: 'webhooks-duplicate-reordered',
    timing: WEBHOOK_TIMING,
    before: ({ stack }) => admin(stack.psp.url, '/__admin/faults', { holdWebhooks: true }),
    async during(ctx) {
      await untilPsp(ctx.stack, (t) => t.created >= ctx.n);
      await admin(ctx.stack.psp.url, '/__admin/faults', { holdWebhooks: false });
      await admin(ctx.stack.psp.url, '/__admin/webhooks/flush', { order: 'reverse' });
      await replayAll(ctx, 3);
    },
  }),
  payoutRow({
    // Held until every payout has closed (confirmed by polling), then delivered late, reversed and twice.
    name: 'webhooks-late-after-close',
    before: ({ stack }) => admin(stack.psp.url, '/__admin/faults', { holdWebhooks: true }),
    async after(ctx) {
      await admin(ctx.stack.psp.url, '/__admin/faults', { holdWebhooks: false });
      await admin(ctx.stack.psp.url, '/__admin/webhooks/flush', { order: 'reverse' });
      await replayAll(ctx, 2);
    },
  }),
  payoutRow({
    // Every event is held and claims to be 10 minutes old when it arrives (freshly signed, as Stripe signs each
    // delivery): the payouts have confirmed by polling meanwhile, and a third of them were reversed. The late events
    // must all be accepted (a refused one would be retried until dropped) and the late returns booked.
    name: 'webhooks-10-minutes-late',
    timing: { ...FAST_TIMING, returnWindowMs: 30_000 },
    before: ({ stack }) => admin(stack.psp.url, '/__admin/faults', { holdWebhooks: true, eventAgeSec: 600 }),
    async during(ctx, payouts) {
      await pool(
        payouts.map((p, i) => ({ p, i })),
        8,
        async ({ p, i }) => {
          let s = await payoutStatus(ctx.stack, p);
          await until(
            async () => (s = await payoutStatus(ctx.stack, p))?.state === 'paid_in_return_window',
            60_000,
            250,
          );
          if (i % 3 !== 0 || !s?.railReference) return;
          await admin(ctx.stack.psp.url, `/__admin/transfers/${s.railReference}/reverse`, {});
          ctx.returned.add(p.payoutId);
        },
      );
      await admin(ctx.stack.psp.url, '/__admin/faults', { holdWebhooks: false });
      await admin(ctx.stack.psp.url, '/__admin/webhooks/flush', { order: 'in-order' });
    },
    async after(ctx) {
      const { deliveries } = await adminGet<{ deliveries: Array<{ id: string; status: number | 'error' }> }>(
        ctx.stack.psp.url,
        '/__admin/events',
      );
      const accepted = new Set(deliveries.filter((d) => d.status === 200).map((d) => d.id));
      const refused = [...new Set(deliveries.map((d) => d.id))].filter((id) => !accepted.has(id));
      return {
        ...emptyVerdicts(),
        lost: refused.length,
        findings: refused.slice(0, 10).map((id) => `${id}: the ingress never accepted the late event`),
        outcomes: { lateEventsAccepted: accepted.size },
      };
    },
  }),
  payoutRow({
    // A forged and a stale `payout.failed` per payout while it is paid: both refused (400), nothing reversed.
    name: 'webhooks-forged-and-stale',
    timing: { ...FAST_TIMING, returnWindowMs: 5_000 },
    async during(ctx, payouts) {
      await untilPsp(ctx.stack, (t) => t.created >= ctx.n);
      const now = Math.floor(Date.now() / 1000);
      const secret = ctx.stack.config.PSP_WEBHOOK_SECRET;
      const accepted: string[] = [];
      for (const p of payouts) {
        const wf = creatorPayoutWorkflowId(p.payoutId);
        for (const e of [forgedFailure(wf, 'whsec_attacker', now), forgedFailure(wf, secret, now - 900)]) {
          const res = await fetch(`${ctx.stack.ingress.url}/webhooks/psp`, {
            method: 'POST',
            body: e.body,
            headers: { 'stripe-signature': e.signature, 'content-type': 'application/json' },
          });
          if (res.status !== 400) accepted.push(`${wf}: ingress answered ${res.status}`);
        }
      }
      refused.set(ctx.tag, accepted);
    },
    async after(ctx) {
      const v = emptyVerdicts();
      const accepted = refused.get(ctx.tag) ?? [];
      // An accepted forgery is money the attacker could move: counted with the duplicates.
      return { ...v, duplicates: accepted.length, findings: accepted.slice(0, 10) };
    },
  }),
];

const refused = new Map<string, string[]>();
