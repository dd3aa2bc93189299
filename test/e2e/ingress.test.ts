import { randomUUID } from 'node:crypto';
import { buildCamt054 } from '../../sandboxes/bank/iso20022';
import type { VerifiedEvent, WebhookRoute } from '../../ingress/deliveries';
import { INGRESS_DOORS, ingressTestBed, postSigned, startIngressDoor } from '../support/ingress';
import { testClient } from '../support/stack';

describe.each(INGRESS_DOORS)(
  'webhook ingress through the %s front door (signatures, dedupe, signalWithStart on the real dev server)',
  (door) => {
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
    const bed = ingressTestBed(door, { routes: [route] });
    const { config } = bed;

    const stripeEvent = (id: string) =>
      JSON.stringify({
        id,
        object: 'event',
        type: 'charge.dispute.created',
        created: 1,
        data: { object: { id: 'dp_1' } },
      });
    const psp = (body: string, secret = config.PSP_WEBHOOK_SECRET, timestamp?: number) =>
      postSigned(bed.ingress.url, 'psp', body, { secret, timestamp });

    test('when a PSP event is forged, then it is rejected before Temporal is touched', async () => {
      const id = `evt_${randomUUID()}`;
      const res = await psp(stripeEvent(id), 'whsec_attacker');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid or stale Stripe-Signature' });
      expect(seen.find((e) => e.eventId === id)).toBeUndefined();
      await expect(bed.client.workflow.getHandle(`probe-ingress-${id}`).describe()).rejects.toThrow(/not found/i);
    });

    test('when a PSP event is signed but stale, then it is rejected', async () => {
      const old = Math.floor(Date.now() / 1000) - 600;
      expect((await psp(stripeEvent(`evt_${randomUUID()}`), config.PSP_WEBHOOK_SECRET, old)).status).toBe(400);
    });

    test('when a valid PSP event arrives twice, then it is delivered once with signalWithStart and the repeat is acknowledged as a duplicate', async () => {
      const id = `evt_${randomUUID()}`;
      const first = await psp(stripeEvent(id));
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ eventId: id, duplicate: false, delivered: 1 });
      const description = await bed.client.workflow.getHandle(`probe-ingress-${id}`).describe();
      expect(description.type).toBe('stackProbe');

      const second = await psp(stripeEvent(id));
      expect(await second.json()).toMatchObject({ eventId: id, duplicate: true });
      expect(seen.filter((e) => e.eventId === id)).toHaveLength(1);
    });

    test('when the body is not compact JSON and not ASCII, and arrives as binary, then the signature over its exact bytes holds', async () => {
      const id = `evt_${randomUUID()}`;
      // Re-serialising this body would change it (spacing, escapes, newline), and a function URL base64-encodes it
      // (binary content type): any of these breaks the signature unless the check sees the bytes as sent.
      const body = `{\n  "id": "${id}", "object": "event", "type": "customer.updated",\n  "created": 1,\n  "data": {"object": {"name": "Zoë Çelik €5 \\u00e9"}}\n}\n`;
      const res = await postSigned(bed.ingress.url, 'psp', body, {
        secret: config.PSP_WEBHOOK_SECRET,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(await res.json()).toMatchObject({ eventId: id, duplicate: false, delivered: 1 });
      expect(JSON.stringify(seen.find((e) => e.eventId === id)?.payload)).toContain('Zoë Çelik €5 é');
    });

    test('when a bank camt.054 arrives with a valid HMAC, then it is parsed and routed; a bad HMAC is refused', async () => {
      const eventId = `bank-${randomUUID()}`;
      const body = buildCamt054({
        messageId: eventId,
        entries: [{ endToEndId: 'E2E-1', status: 'booked', amount: { amountMinor: 1000, currency: 'EUR' } }],
      });
      const headers = { 'x-bank-event-id': eventId };
      expect((await postSigned(bed.ingress.url, 'bank', body, { secret: 'wrong-secret', headers })).status).toBe(400);
      const res = await postSigned(bed.ingress.url, 'bank', body, { secret: config.BANK_WEBHOOK_SECRET, headers });
      expect(res.status).toBe(200);
      const routed = seen.find((e) => e.eventId === eventId);
      expect(routed?.type).toBe('camt.054');
      expect(JSON.stringify(routed?.payload)).toContain('E2E-1');
    });

    test('when a body is not UTF-8, then it is refused with 400 saying so (its bytes arrive unaltered, also base64-encoded)', async () => {
      const bytes = new Uint8Array([0x3c, 0x44, 0x6f, 0x63, 0xff, 0xfe, 0x3e]);
      const res = await fetch(`${bed.ingress.url}/webhooks/bank`, {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': 'application/octet-stream', 'x-bank-signature': 't=1,v1=00' },
      });
      expect([res.status, await res.json()]).toEqual([400, { error: 'body is not UTF-8' }]);
    });

    test('when a body is over 1 MB, then it is refused with 413 before anything is verified or routed', async () => {
      const id = `evt_${randomUUID()}`;
      const body = JSON.stringify({
        id,
        object: 'event',
        type: 'customer.updated',
        created: 1,
        pad: 'x'.repeat(1_000_001),
      });
      const res = await psp(body);
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'body too large' });
      expect(seen.find((e) => e.eventId === id)).toBeUndefined();
    });

    test('when a path is unknown or a method wrong, then 404 or 405; the health check answers 200', async () => {
      expect(await (await fetch(`${bed.ingress.url}/healthz`)).json()).toEqual({ ok: true });
      const unknown = await fetch(`${bed.ingress.url}/webhooks/other`, { method: 'POST', body: '{}' });
      expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'unknown endpoint' }]);
      const wrongMethod = await fetch(`${bed.ingress.url}/webhooks/psp`);
      expect([wrongMethod.status, await wrongMethod.json()]).toEqual([405, { error: 'method not allowed' }]);
      expect((await fetch(`${bed.ingress.url}/healthz`, { method: 'POST', body: '{}' })).status).toBe(405);
    });

    test('when Temporal cannot be reached, then the provider gets 503 (to retry) and the event is not remembered', async () => {
      const down = await testClient(config);
      await down.connection.close();
      const unreachable = await startIngressDoor(door, { config, client: down.client, routes: [route] });
      const id = `evt_${randomUUID()}`;
      try {
        const res = await postSigned(unreachable.url, 'psp', stripeEvent(id), { secret: config.PSP_WEBHOOK_SECRET });
        expect([res.status, await res.json()]).toEqual([503, { error: 'temporarily unavailable' }]);
      } finally {
        await unreachable.stop();
      }
      // Not recorded as seen: the provider's retry is delivered once Temporal is back.
      const retried = await psp(stripeEvent(id));
      expect(await retried.json()).toMatchObject({ eventId: id, duplicate: false, delivered: 1 });
    });
  },
);
