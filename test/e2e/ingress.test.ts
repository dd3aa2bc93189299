import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { signBankPayload } from '../../activities/adapters/bank/webhook';
import { buildCamt054 } from '../../sandboxes/bank/iso20022';
import type { VerifiedEvent, WebhookRoute } from '../../ingress/deliveries';
import { startIngress, type Ingress } from '../../ingress/server';
import { testClient, testConfig } from '../support/stack';

describe('webhook ingress (signatures, dedupe, signalWithStart on the real dev server)', () => {
  const config = testConfig();
  const seen: VerifiedEvent[] = [];
  // Routes every event to a probe workflow named after the event: signalWithStart proves delivery.
  const route: WebhookRoute = (event) => {
    seen.push(event);
    return [
      {
        workflowId: `probe-ingress-${event.eventId}`,
        signal: 'noop',
        signalArgs: [{}],
        start: { workflowType: 'stackProbe', args: [{ probeId: 'ingress' }] },
      },
    ];
  };
  let ingress: Ingress;
  let close: () => Promise<void>;
  let client: Awaited<ReturnType<typeof testClient>>['client'];

  beforeAll(async () => {
    const c = await testClient(config);
    client = c.client;
    close = () => c.connection.close();
    ingress = await startIngress({ config, client, routes: [route] });
  });
  afterAll(async () => {
    await ingress.stop();
    await close();
  });

  const stripeEvent = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'charge.dispute.created',
      created: 1,
      data: { object: { id: 'dp_1' } },
    });
  const postPsp = (body: string, signature: string) =>
    fetch(`${ingress.url}/webhooks/psp`, {
      method: 'POST',
      body,
      headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
    });

  test('when a PSP event is forged, then it is rejected before Temporal is touched', async () => {
    const id = `evt_${randomUUID()}`;
    const body = stripeEvent(id);
    const forged = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_attacker' });
    const res = await postPsp(body, forged);
    expect(res.status).toBe(400);
    expect(seen.find((e) => e.eventId === id)).toBeUndefined();
    await expect(client.workflow.getHandle(`probe-ingress-${id}`).describe()).rejects.toThrow(/not found/i);
  });

  test('when a PSP event is signed but stale, then it is rejected', async () => {
    const body = stripeEvent(`evt_${randomUUID()}`);
    const stale = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: config.PSP_WEBHOOK_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect((await postPsp(body, stale)).status).toBe(400);
  });

  test('when a valid PSP event arrives twice, then it is delivered once with signalWithStart and the repeat is acknowledged as a duplicate', async () => {
    const id = `evt_${randomUUID()}`;
    const body = stripeEvent(id);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: config.PSP_WEBHOOK_SECRET });
    const first = await postPsp(body, signature);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ eventId: id, duplicate: false, delivered: 1 });
    const description = await client.workflow.getHandle(`probe-ingress-${id}`).describe();
    expect(description.type).toBe('stackProbe');

    const second = await postPsp(body, signature);
    expect(await second.json()).toMatchObject({ eventId: id, duplicate: true });
    expect(seen.filter((e) => e.eventId === id)).toHaveLength(1);
  });

  test('when a bank camt.054 arrives with a valid HMAC, then it is parsed and routed; a bad HMAC is refused', async () => {
    const eventId = `bank-${randomUUID()}`;
    const body = buildCamt054({
      messageId: eventId,
      entries: [{ endToEndId: 'E2E-1', status: 'booked', amount: { amountMinor: 1000, currency: 'EUR' } }],
    });
    const post = (signature: string) =>
      fetch(`${ingress.url}/webhooks/bank`, {
        method: 'POST',
        body,
        headers: { 'x-bank-signature': signature, 'x-bank-event-id': eventId },
      });
    expect((await post(signBankPayload(body, 'wrong-secret'))).status).toBe(400);
    const res = await post(signBankPayload(body, config.BANK_WEBHOOK_SECRET));
    expect(res.status).toBe(200);
    const routed = seen.find((e) => e.eventId === eventId);
    expect(routed?.type).toBe('camt.054');
    expect(JSON.stringify(routed?.payload)).toContain('E2E-1');
  });
});
