import { randomUUID } from 'node:crypto';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createAdyenTransfers } from '../../activities/adapters/adyen/adyen-transfers';
import { adyenRailOf, LOCAL_ADYEN_WEBHOOK_HMAC_KEY, type AdyenIngress } from '../../ingress/adyen';
import type { AdyenRail } from '../../ingress/deliveries';
import { adyenHmacSignature, LOCAL_ADYEN_HMAC_KEY, startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import type { TransferData } from '../../sandboxes/adyen/state';
import { verifyRailEventProof } from '../../workflows/shared/rail-proof';
import { INGRESS_DOORS, ingressTestBed } from '../support/ingress';
import { until } from '../support/wait';

/**
 * `/webhooks/adyen` through both ingress front doors, against the Adyen sandbox and the dev server: the HMAC checked
 * with Adyen's own library, then the trust rule, the transfer confirmed at Adyen by its ID before any signal, routed
 * by the transfer's reference (read at Adyen) to the payout workflow like Stripe's `transfer_group`.
 */
describe.each(INGRESS_DOORS)('Adyen webhooks through the %s front door (Adyen sandbox, dev server)', (door) => {
  const KEY = LOCAL_ADYEN_HMAC_KEY;
  let sandbox: AdyenSandbox;
  // The ingress starts first (its URL is the sandbox's webhook URL); its look-up reaches the sandbox once started.
  let inner: AdyenRail | undefined;
  const adyen: AdyenIngress = {
    hmacKeys: [KEY],
    rail: { getTransfer: (id) => (inner as AdyenRail).getTransfer(id) },
  };
  const audit = createFakeAudit();
  const bed = ingressTestBed(door, { adyen, audit });

  beforeAll(async () => {
    sandbox = await startAdyenSandbox({
      port: 0,
      hmacKey: KEY,
      webhookUrl: `${bed.ingress.url}/webhooks/adyen`,
      webhookRetryDelaysMs: [50],
    });
    inner = adyenRailOf(
      createAdyenTransfers({ apiKey: 'test', balanceAccountId: 'BA00000000000000PLATFORM', apiBase: sandbox.url }),
    );
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const admin = async (path: string, body?: unknown) =>
    (await fetch(`${sandbox.url}${path}`, { method: 'POST', body: JSON.stringify(body ?? {}) })).json();

  /** A transfer at the sandbox as the payout's create would make it (reference = workflow ID + step). */
  async function transfer(reference: string): Promise<TransferData> {
    const res = await fetch(`${sandbox.url}/btl/v4/transfers`, {
      method: 'POST',
      headers: { 'X-API-Key': 'test', 'Idempotency-Key': `${reference}:adyen`, 'content-type': 'application/json' },
      body: JSON.stringify({
        amount: { currency: 'EUR', value: 12_34 },
        balanceAccountId: 'BA00000000000000PLATFORM',
        category: 'internal',
        counterparty: { balanceAccountId: 'BA_CREATOR_1' },
        reference,
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as TransferData;
  }
  const atRail = async (id: string) =>
    (await (
      await fetch(`${sandbox.url}/btl/v4/transfers/${id}`, { headers: { 'X-API-Key': 'test' } })
    ).json()) as TransferData;

  /** A webhook as the sandbox sends it (same envelope, same `HmacSignature`), with `data` as given. */
  const webhook = (data: unknown, key = KEY, type = 'balancePlatform.transfer.updated') => {
    const body = JSON.stringify({ data, environment: 'test', timestamp: new Date().toISOString(), type });
    return fetch(`${bed.ingress.url}/webhooks/adyen`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', HmacSignature: adyenHmacSignature(body, key) },
    });
  };

  /** A running workflow under a payout's ID (no worker: it stays open and records every signal it receives). */
  async function openPayout(): Promise<string> {
    const workflowId = `payout-adyen-${randomUUID().slice(0, 8)}`;
    await bed.client.workflow.start('creatorPayout', {
      workflowId,
      taskQueue: bed.config.TEMPORAL_TASK_QUEUE,
      args: [{}],
    });
    return workflowId;
  }
  async function railSignals(workflowId: string): Promise<Array<Record<string, unknown>>> {
    const history = await bed.client.workflow.getHandle(workflowId).fetchHistory();
    const converter = bed.client.options.loadedDataConverter;
    const inputs = (history.events ?? []).flatMap((e) => {
      const a = e.workflowExecutionSignaledEventAttributes;
      return a?.signalName === 'reportRailEvent' ? [a.input?.payloads ?? []] : [];
    });
    return Promise.all(inputs.map((p) => decodeFromPayloadsAtIndex<Record<string, unknown>>(converter, 0, p)));
  }
  afterEach(async () => {
    await admin('/__admin/faults', { holdWebhooks: false, settleMs: 100 });
  });

  test('when the sandbox sends a signed transfer webhook and Adyen confirms the transfer booked, then the payout gets one reportRailEvent (psp rail, provider adyen) with the ingress proof, the same event for every webhook of that state', async () => {
    const workflowId = await openPayout();
    await admin('/__admin/faults', { holdWebhooks: true, settleMs: 10 });
    const t = await transfer(`${workflowId}:initiate`);
    await until(async () => ((await atRail(t.id)).status === 'booked' ? true : undefined));

    await admin('/__admin/webhooks/flush', { order: 'sent' });

    // created (authorised in the webhook) and updated (booked): the rail says booked for both.
    const signals = await until(async () => {
      const s = await railSignals(workflowId);
      return s.length === 2 ? s : undefined;
    });
    for (const s of signals) {
      const { proof, ...event } = s;
      expect(event).toEqual({
        source: 'psp',
        provider: 'adyen',
        eventId: `adyen:${t.id}:booked`,
        kind: 'paid',
        reference: t.id,
      });
      expect(verifyRailEventProof(s, Date.now(), { workflowId, signal: 'reportRailEvent' })).toEqual({ ok: true });
      expect(typeof proof).toBe('string');
    }
  });

  test('when Adyen returns the transfer, then the payout is told returned with the whole amount and the rail reason', async () => {
    const workflowId = await openPayout();
    await admin('/__admin/faults', { settleMs: 10 });
    const t = await transfer(`${workflowId}:initiate`);
    await until(async () => ((await atRail(t.id)).status === 'booked' ? true : undefined));
    await admin(`/__admin/transfers/${t.id}/return`, { reason: 'counterpartyAccountClosed' });

    const returned = await until(async () => (await railSignals(workflowId)).find((s) => s['kind'] === 'returned'));

    expect(returned).toMatchObject({
      provider: 'adyen',
      eventId: `adyen:${t.id}:returned`,
      reference: t.id,
      code: 'counterpartyAccountClosed',
      returnedAmountMinor: 12_34,
      transferAmountMinor: 12_34,
    });
  });

  test('when the HmacSignature is made with another key or is missing, then 401 and nothing is looked up or signalled', async () => {
    const workflowId = await openPayout();
    await admin('/__admin/faults', { holdWebhooks: true, settleMs: 10 });
    const t = await transfer(`${workflowId}:initiate`);
    await until(async () => ((await atRail(t.id)).status === 'booked' ? true : undefined));
    const data = await atRail(t.id);
    const lookupsBefore = await railLookups(t.id);

    const forged = await webhook(data, 'AA'.repeat(32));
    const unsigned = await fetch(`${bed.ingress.url}/webhooks/adyen`, { method: 'POST', body: '{}' });

    expect([forged.status, await forged.json()]).toEqual([401, { error: 'invalid HmacSignature' }]);
    expect(unsigned.status).toBe(401);
    expect(await railLookups(t.id)).toBe(lookupsBefore);
    expect(await railSignals(workflowId)).toEqual([]);
  });

  test('when a signed webhook claims booked but Adyen holds the transfer authorised, or knows no such transfer, then nothing is signalled', async () => {
    const workflowId = await openPayout();
    await admin('/__admin/faults', { holdWebhooks: true, settleMs: 600_000 });
    const t = await transfer(`${workflowId}:initiate`);
    expect((await atRail(t.id)).status).toBe('authorised');

    const claimed = await webhook({ ...(await atRail(t.id)), status: 'booked', sequenceNumber: 99 });
    const unknown = await webhook({
      ...(await atRail(t.id)),
      id: `NOSUCH${randomUUID().replace(/-/g, '').slice(0, 10)}`,
      status: 'booked',
    });

    expect(await claimed.json()).toMatchObject({ duplicate: false, delivered: 0, parked: 0 });
    expect(await unknown.json()).toMatchObject({ duplicate: false, delivered: 0, parked: 0 });
    expect(await railSignals(workflowId)).toEqual([]);
  });

  test('when the reference names a payout that is not running, then the event is parked for ops; a reference that is no payout is acknowledged and ignored', async () => {
    await admin('/__admin/faults', { holdWebhooks: true, settleMs: 10 });
    const closed = await transfer(`payout-gone-${randomUUID().slice(0, 8)}:initiate`);
    const foreign = await transfer(`invoice-${randomUUID().slice(0, 8)}`);
    await until(async () =>
      (await atRail(closed.id)).status === 'booked' && (await atRail(foreign.id)).status === 'booked'
        ? true
        : undefined,
    );

    const parked = await webhook(await atRail(closed.id));
    const ignored = await webhook(await atRail(foreign.id));

    expect(await parked.json()).toMatchObject({ delivered: 0, parked: 1 });
    expect(await ignored.json()).toMatchObject({ delivered: 0, parked: 0 });
  });

  test('when Adyen returns a transfer (or fails it after booking) for a payout that has closed, then the event is parked and owned by one reconciliation break on the Adyen account, the same one for every webhook of that state', async () => {
    await admin('/__admin/faults', { holdWebhooks: true, settleMs: 10 });
    const returnedFor = `payout-late-adyen-${randomUUID().slice(0, 8)}`;
    const failedFor = `payout-late-adyen-${randomUUID().slice(0, 8)}`;
    const returned = await transfer(`${returnedFor}:initiate`);
    const failed = await transfer(`${failedFor}:initiate`);
    await until(async () =>
      (await atRail(returned.id)).status === 'booked' && (await atRail(failed.id)).status === 'booked'
        ? true
        : undefined,
    );
    await admin(`/__admin/transfers/${returned.id}/return`, { reason: 'counterpartyAccountClosed' });
    await admin(`/__admin/transfers/${failed.id}/fail`, { reason: 'counterpartyBankUnavailable' });

    const first = await webhook(await atRail(returned.id));
    // Adyen sends the same state again (another sequence number): one more observation of the same break.
    const again = await webhook({ ...(await atRail(returned.id)), sequenceNumber: 999 });
    const late = await webhook(await atRail(failed.id));

    expect(await first.json()).toMatchObject({ delivered: 0, parked: 1, owned: 1 });
    expect(await again.json()).toMatchObject({ delivered: 0, parked: 1, owned: 1 });
    expect(await late.json()).toMatchObject({ delivered: 0, parked: 1, owned: 1 });
    for (const [workflowId, t, hint, reason] of [
      [returnedFor, returned, 'late_return', 'counterpartyAccountClosed'],
      [failedFor, failed, 'late_failure', 'counterpartyBankUnavailable'],
    ] as const) {
      const parked = (await audit.list('late-rail-events')).filter((e) => e.data.workflowId === workflowId);
      const owners = [...new Set(parked.map((e) => String(e.data.ownedBy)))];
      expect(owners).toHaveLength(1);
      const owner = bed.client.workflow.getHandle(owners[0]!);
      expect((await owner.describe()).type).toBe('reconBreak');
      const history = await owner.fetchHistory();
      const input = await decodeFromPayloadsAtIndex(
        bed.client.options.loadedDataConverter,
        0,
        history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads,
      );
      expect(input).toMatchObject({
        source: 'rail_event',
        facts: {
          class: 'unexpected_external',
          hint,
          accountId: 'psp-adyen',
          amountMinor: 12_34,
          currency: 'EUR',
          reason: expect.stringContaining('Adyen'),
          refs: { workflowId, railRef: t.id, returnReason: reason },
        },
      });
      await owner.terminate('test over');
    }
  });

  test('when a signed body lacks what a transfer event needs, then 400 names the field; the same webhook twice is a duplicate', async () => {
    const bad = await webhook({ id: 'ABC', status: 'booked' });
    expect([bad.status, await bad.json()]).toEqual([
      400,
      { error: 'data.sequenceNumber: Invalid input: expected number, received undefined' },
    ]);

    const workflowId = await openPayout();
    await admin('/__admin/faults', { holdWebhooks: true, settleMs: 10 });
    const t = await transfer(`${workflowId}:initiate`);
    await until(async () => ((await atRail(t.id)).status === 'booked' ? true : undefined));
    const data = await atRail(t.id);
    expect(await (await webhook(data)).json()).toMatchObject({
      eventId: `${t.id}:${data.sequenceNumber}`,
      delivered: 1,
    });
    expect(await (await webhook(data)).json()).toMatchObject({ duplicate: true });
    expect(await railSignals(workflowId)).toHaveLength(1);
  });

  /** How often the transfer was looked up at the sandbox (`GET /btl/v4/transfers/<id>`). */
  async function railLookups(id: string): Promise<number> {
    const { calls } = (await (await fetch(`${sandbox.url}/__admin/calls`)).json()) as {
      calls: Array<{ method: string; path: string }>;
    };
    return calls.filter((c) => c.method === 'GET' && c.path.startsWith(`/btl/v4/transfers/${id}`)).length;
  }

  test('the ingress knows the sandbox key it trusts locally', () => {
    expect(LOCAL_ADYEN_WEBHOOK_HMAC_KEY).toBe(LOCAL_ADYEN_HMAC_KEY);
  });
});
