import { randomUUID } from 'node:crypto';
import type { VerifiedEvent, WebhookRoute } from '../../ingress/deliveries';
import { buildCamt054 } from '../../sandboxes/bank/iso20022';
import { INGRESS_DOORS, ingressTestBed, postSigned } from '../support/ingress';

/**
 * The bank webhook's event ID is read from the signed camt.054 (`Ntfctn/Id`, else `GrpHdr/MsgId`), never from the
 * unsigned `X-Bank-Event-Id` header: on the real dev server and the real audit store (moto), a replay under a fresh
 * header is the same event, and a body with another ID breaks the signature.
 */
describe.each(INGRESS_DOORS)(
  'webhook ingress (%s front door): the bank event ID comes from the signed body',
  (door) => {
    const seen: VerifiedEvent[] = [];
    const route: WebhookRoute = (event) => {
      seen.push(event);
      return [
        {
          workflowId: `probe-bank-id-${event.eventId}`,
          signal: 'noop',
          signalArgs: [{}],
          start: { workflowType: 'stackProbe', args: [{ probeId: 'bank-id' }] },
        },
      ];
    };
    const bed = ingressTestBed(door, { routes: [route] });
    const { config } = bed;

    const camt = (id: string) =>
      buildCamt054({
        messageId: id,
        entries: [{ endToEndId: `E2E-${id}`, status: 'booked', amount: { amountMinor: 1000, currency: 'EUR' } }],
      });
    /** Posts a camt.054 signed now (or at `timestamp`) with the ingress's secret; `signedBody` tampers after signing. */
    const post = async (
      body: string,
      opts: { timestamp?: number; headers?: Record<string, string>; signedBody?: string } = {},
    ) => {
      const res = await postSigned(bed.ingress.url, 'bank', body, { secret: config.BANK_WEBHOOK_SECRET, ...opts });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const signalsTo = async (workflowId: string) => {
      const history = await bed.client.workflow.getHandle(workflowId).fetchHistory();
      return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    };

    test('when a signed body is replayed with a different X-Bank-Event-Id, then it is the same event and nothing happens twice', async () => {
      const id = `NTF-${randomUUID()}`;
      const body = camt(id);
      const timestamp = Math.floor(Date.now() / 1000);

      const first = await post(body, { timestamp, headers: { 'x-bank-event-id': id } });
      expect(first).toEqual({
        status: 200,
        json: expect.objectContaining({ eventId: id, duplicate: false, delivered: 1 }),
      });
      const replays = await Promise.all([
        // The same signature under a new header, and a fresh signature (another timestamp) as a redelivery carries.
        post(body, { timestamp, headers: { 'x-bank-event-id': `forged-${randomUUID()}` } }),
        post(body, { timestamp: timestamp - 1 }),
      ]);
      for (const replay of replays) {
        expect(replay).toEqual({ status: 200, json: expect.objectContaining({ eventId: id, duplicate: true }) });
      }
      expect(seen.filter((e) => e.eventId === id)).toHaveLength(1);
      expect(seen.some((e) => e.eventId.startsWith('forged-'))).toBe(false);
      expect(await signalsTo(`probe-bank-id-${id}`)).toBe(1);
    });

    test('when the body is changed to carry another event ID, then its signature no longer holds and nothing is delivered', async () => {
      const id = `NTF-${randomUUID()}`;
      const body = camt(id);
      const other = `NTF-${randomUUID()}`;
      const changed = body.replace(`<Id>${id}</Id>`, `<Id>${other}</Id>`);
      expect(changed).not.toBe(body);

      const res = await post(changed, { signedBody: body, headers: { 'x-bank-event-id': other } });
      expect(res).toEqual({ status: 400, json: { error: 'invalid or stale X-Bank-Signature' } });
      expect(seen.some((e) => e.eventId === other)).toBe(false);
      await expect(bed.client.workflow.getHandle(`probe-bank-id-${other}`).describe()).rejects.toThrow(/not found/i);
    });

    test('when the notification has no Ntfctn/Id, then the message ID names the event; with neither, it is refused', async () => {
      const msgId = `MSG-${randomUUID()}`;
      const noNtfctnId = camt(msgId).replace(`<Id>${msgId}</Id>`, '');
      const res = await post(noNtfctnId);
      expect(res).toEqual({ status: 200, json: expect.objectContaining({ eventId: msgId, duplicate: false }) });

      const anonymous = noNtfctnId.replace(`<MsgId>${msgId}</MsgId>`, '');
      const refused = await post(anonymous, { headers: { 'x-bank-event-id': `header-${randomUUID()}` } });
      expect(refused).toEqual({
        status: 400,
        json: { error: 'camt.054 names no event: no Ntfctn/Id or GrpHdr/MsgId' },
      });
      expect(seen.some((e) => e.eventId.startsWith('header-'))).toBe(false);
    });
  },
);
