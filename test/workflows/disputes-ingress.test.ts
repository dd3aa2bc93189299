import { Client } from '@temporalio/client';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { makeAwsClients } from '../../activities/adapters/aws';
import { awsOptions } from '../../workers/config';
import { createHttpEvidence } from '../../activities/adapters/evidence/http-evidence';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { decideDispute, getDisputeState } from '../../client/disputes';
import { staffSigner } from '../support/staff';
import { startEvidenceSandbox, type EvidenceSandbox } from '../../sandboxes/evidence';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import type { DisputeCaseView } from '../../workflows/disputes/contract';
import { buildDependencies } from '../../workers/dependencies';
import { INGRESS_DOORS, startIngressDoor, type IngressDoor } from '../support/ingress';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until as eventually } from '../support/wait';

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
};

/** PSP sandbox → signed webhooks → ingress → signalWithStart → case on the dev server → Stripe API back to the sandbox. */
describe.each(INGRESS_DOORS)(
  'dispute webhooks end to end (PSP sandbox, %s ingress, dev server, moto ledger)',
  (door) => {
    let psp: PspSandbox;
    let evidence: EvidenceSandbox;
    let ingress: IngressDoor;
    let client: Client;
    let close: () => Promise<void>;
    const config = testConfig({ PSP_WEBHOOK_SECRET: 'whsec_disputes_e2e' });

    beforeAll(async () => {
      const c = await testClient(config);
      client = c.client;
      ingress = await startIngressDoor(door, { config, client, audit: createFakeAudit() });
      [psp, evidence] = await Promise.all([
        startPspSandbox({ port: 0, webhookUrl: `${ingress.url}/webhooks/psp`, webhookSecret: 'whsec_disputes_e2e' }),
        startEvidenceSandbox({ port: 0 }),
      ]);
      close = () => c.connection.close();
    });
    afterAll(async () => {
      await Promise.all([psp?.stop(), evidence?.stop(), ingress?.stop()]);
      await close?.();
    });

    /** Polls the case (it may not exist yet: the webhook starts it) until `predicate` holds. */
    async function until(
      disputeId: string,
      predicate: (v: DisputeCaseView) => boolean,
      what: string,
    ): Promise<DisputeCaseView> {
      const deadline = Date.now() + 30_000;
      let last: unknown;
      while (Date.now() < deadline) {
        try {
          const v = await getDisputeState(client, disputeId);
          if (predicate(v)) return v;
          last = v;
        } catch (err) {
          last = err;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`case never reached: ${what}; last ${JSON.stringify(last)}`);
    }

    /** The PSP sandbox's event log: the events it emitted (ID and type) and every webhook delivery attempt. */
    const pspLog = async () =>
      (await (await fetch(`${psp.url}/__admin/events`)).json()) as {
        events: Array<{ id: string; type: string }>;
        deliveries: Array<{ id: string; status: number | 'error' }>;
      };

    test('when the PSP opens, closes and reopens a dispute with reordered webhooks, then one case submits once and lands in pre-arbitration with the ledger right', async () => {
      const workerConfig = testConfig({ PSP_API_BASE: psp.url, TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE });
      const deps = buildDependencies(workerConfig, { evidence: createHttpEvidence({ apiBase: evidence.url }) });
      const { worker, connection } = await testWorker(workerConfig, deps);
      const ledger = createDynamoLedger({
        aws: makeAwsClients(awsOptions(workerConfig)),
        table: workerConfig.LEDGER_TABLE,
      });
      const disputeId = `dp_e2e${Date.now().toString(36)}`;
      const orderId = `ord-e2e-${Date.now().toString(36)}`;
      try {
        await worker.runUntil(async () => {
          await post(`${evidence.url}/__admin/orders`, {
            orderId,
            order: { productDescription: 'Rattan chair', orderedAt: '2030-04-01T10:00:00Z' },
            shipment: { carrier: 'GLS', trackingNumber: 'GLS42', shippedAt: '2030-04-02T10:00:00Z' },
          });
          const dueBy = Math.floor(Date.now() / 1000) + 20 * 86_400;
          // The PSP's event log lists IDs and types only: this case's events are the dispute events emitted from here.
          const earlier = new Set((await pspLog()).events.map((e) => e.id));
          const ofThisCase = async () =>
            (await pspLog()).events.filter((e) => e.type.startsWith('charge.dispute.') && !earlier.has(e.id));
          await post(`${psp.url}/__admin/disputes`, {
            id: disputeId,
            amount: 5_000,
            currency: 'eur',
            reason: 'product_not_received',
            due_by: dueBy,
            orderId,
          });
          // The ledger hold is booked beside the case (it must survive a store outage), so wait for it too.
          const review = await until(
            disputeId,
            (v) => v.state === 'in_review' && v.ledgerPosition === 'held',
            'in review, funds held',
          );
          expect(review).toMatchObject({
            orderId,
            amount: { amountMinor: 5_000, currency: 'EUR' },
            ledgerPosition: 'held',
          });

          expect(
            await decideDispute(client, disputeId, {
              decision: 'contest',
              by: 'ops.ann',
              tier: 'tier1',
              sign: staffSigner('ops.ann', ['tier1']),
            }),
          ).toMatchObject({ accepted: true, value: { decision: { decision: 'contest', by: 'ops.ann' } } });
          expect(
            await decideDispute(client, disputeId, {
              decision: 'contest',
              by: 'ops.ann',
              tier: 'tier1',
              sign: staffSigner('ops.ann', ['tier1']),
            }),
          ).toMatchObject({
            accepted: false,
            type: 'Conflict',
            // Refused either way: while the decision is being carried out (`already_decided`), or once the evidence
            // is submitted and the case is no longer open to a decision (`not_open`, on a busy machine).
            code: expect.stringMatching(/^(already_decided|not_open)$/),
          });
          await until(disputeId, (v) => v.state === 'submitted', 'submitted');
          const d = (await (
            await fetch(`${psp.url}/v1/disputes/${disputeId}`, { headers: { Authorization: 'Bearer sk_test_x' } })
          ).json()) as { evidence_details: { submission_count: number }; evidence: Record<string, unknown> };
          expect(d.evidence_details.submission_count).toBe(1);
          expect(d.evidence).toMatchObject({
            shipping_tracking_number: 'GLS42',
            product_description: 'Rattan chair (ordered 2030-04-01)',
          });

          // The PSP decides (won), then reopens for pre-arbitration; the webhooks arrive in reverse order.
          await post(`${psp.url}/__admin/faults`, { holdWebhooks: true });
          await post(`${psp.url}/__admin/disputes/${disputeId}/outcome`, { status: 'won' });
          await post(`${psp.url}/__admin/disputes/${disputeId}/reopen`, { due_by: dueBy + 5 * 86_400 });
          await post(`${psp.url}/__admin/webhooks/flush`, { order: 'reverse' });
          // Every dispute event the PSP sent reached the case (each is confirmed at the PSP first, so they land one
          // by one): the count the replay below must not change.
          const sent = (await ofThisCase()).length;
          expect(sent).toBeGreaterThanOrEqual(3);
          const r2 = await until(
            disputeId,
            (v) =>
              v.state === 'pre_arbitration' && v.ledgerPosition === 'held' && v.eventsApplied + v.eventsIgnored >= sent,
            'pre-arbitration',
          );
          expect(r2).toMatchObject({
            round: 2,
            tier: 'tier2',
            dueBy: new Date((dueBy + 5 * 86_400) * 1000).toISOString(),
          });
          const wf = `dispute-${disputeId}`;
          expect((await ledger.getPosting(`${wf}:r1:held`))?.legs[0]?.amountMinor).toBe(5_000);
          // The case books its ledger moves after the state it shows (an outage delays them, never drops them).
          expect(await eventually(() => ledger.getPosting(`${wf}:r1:released`), 30_000)).toBeDefined();
          expect(await eventually(() => ledger.getPosting(`${wf}:r2:held`), 30_000)).toBeDefined();

          // A redelivered webhook is dropped by the ingress before it reaches the case. The baseline is taken once
          // every dispute event has been answered 2xx (a delivery that timed out on a busy machine is retried by
          // the PSP, and that retry may reach the case after the count above), and the case has seen as many.
          const ofDispute = await ofThisCase();
          await eventually(
            async () => {
              const { deliveries } = await pspLog();
              const ok = (id: string) =>
                deliveries.some((d) => d.id === id && typeof d.status === 'number' && d.status < 300);
              return ofDispute.every((e) => ok(e.id)) ? true : undefined;
            },
            30_000,
            'every dispute webhook answered 2xx',
          );
          const before = await until(disputeId, (v) => v.eventsApplied + v.eventsIgnored >= ofDispute.length, 'seen');
          const created = ofDispute.find((e) => e.type === 'charge.dispute.created');
          await post(`${psp.url}/__admin/webhooks/replay`, { eventId: created?.id, times: 2 });
          const after = await getDisputeState(client, disputeId);
          expect(after.eventsApplied + after.eventsIgnored).toBe(before.eventsApplied + before.eventsIgnored);
          await client.workflow.getHandle(wf).terminate('test done');
        });
      } finally {
        await connection.close();
      }
    });
  },
);
