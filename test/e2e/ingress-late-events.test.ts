import { randomUUID } from 'node:crypto';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import { buildCamt054 } from '../../sandboxes/bank/iso20022';
import { bankE2eStream } from '../../workflows/payouts/contract';
import { lateReturnWorkflowId } from '../../workflows/recon-breaks/contract';
import { INGRESS_DOORS, ingressTestBed, postSigned } from '../support/ingress';

/** The real routes on the real dev server: what arrives for a closed payout is parked for ops, never dropped. */
describe.each(INGRESS_DOORS)('webhook ingress (%s front door): late events and refused webhooks', (door) => {
  const audit = createFakeAudit();
  const notifications = createFakeNotifications();
  const bed = ingressTestBed(door, { audit, notifications });
  const { config } = bed;

  const postPsp = (event: Record<string, unknown>, secret = config.PSP_WEBHOOK_SECRET, timestamp?: number) =>
    postSigned(bed.ingress.url, 'psp', JSON.stringify(event), { secret, timestamp });
  const reversal = (id: string, workflowId: string) => ({
    id,
    object: 'event',
    type: 'transfer.reversed',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `tr_${id}`,
        object: 'transfer',
        amount: 5_000,
        amount_reversed: 5_000,
        reversed: true,
        currency: 'usd',
        transfer_group: workflowId,
        metadata: { reference: workflowId },
      },
    },
  });

  test('when a return arrives for a payout workflow that has closed, then it is parked in the audit store and published for ops before the 200', async () => {
    const workflowId = `payout-late-${randomUUID()}`;
    const handle = await bed.client.workflow.start('stackProbe', {
      workflowId,
      taskQueue: `no-worker-${randomUUID()}`,
      args: [{ probeId: 'late' }],
    });
    await handle.terminate('the payout closed before its return arrived');
    const id = `evt_${randomUUID()}`;

    const res = await postPsp(reversal(id, workflowId));

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ eventId: id, delivered: 0, parked: 1, owned: 1 });
    const parked = (await audit.list('late-rail-events')).filter((e) => e.data.workflowId === workflowId);
    // Owned by a reconciliation break for the PSP account (a late reversal is money back the ledger did not expect).
    const owner = bed.client.workflow.getHandle(String(parked[0]?.data.ownedBy));
    expect((await owner.describe()).type).toBe('reconBreak');
    await owner.terminate('test over');
    expect(parked).toEqual([
      expect.objectContaining({
        eventId: `${id}:${workflowId}`,
        type: 'payout.late_event',
        data: expect.objectContaining({
          providerEventId: id,
          eventType: 'transfer.reversed',
          signal: 'reportRailEvent',
        }),
      }),
    ]);
    expect(
      notifications.events.filter((e) => e.type === 'payout.late_event' && e.data.workflowId === workflowId),
    ).toEqual([expect.objectContaining({ dedupeKey: `late-rail-events:${id}:${workflowId}` })]);
  });

  test('when a bank return arrives for a payout that has closed, then it is parked and owned by one reconciliation break, the same one for a second file booking the same return', async () => {
    const workflowId = `payout-late-bank-${randomUUID()}`;
    const handle = await bed.client.workflow.start('stackProbe', {
      workflowId,
      taskQueue: `no-worker-${randomUUID()}`,
      args: [{ probeId: 'late-bank' }],
    });
    await handle.terminate('the payout completed before its return arrived');
    const endToEndId = `E2E-LATE-${randomUUID().slice(0, 8)}`;
    await audit.append({
      stream: bankE2eStream(endToEndId),
      eventId: 'route',
      at: new Date().toISOString(),
      type: 'payout.bank_route',
      data: { workflowId },
    });
    const returned = { amountMinor: 4_200, currency: 'EUR' as const };
    const post = (eventId: string) =>
      postSigned(
        bed.ingress.url,
        'bank',
        buildCamt054({
          messageId: eventId,
          entries: [{ endToEndId, status: 'returned', returnCode: 'AC04', amount: returned }],
        }),
        { secret: config.BANK_WEBHOOK_SECRET, headers: { 'x-bank-event-id': eventId } },
      );

    const first = await post(`bank-${randomUUID()}`);
    // The bank sends the same booking again in another file (another event ID): the same break is told again.
    const second = await post(`bank-${randomUUID()}`);

    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ delivered: 0, parked: 1, owned: 1 });
    expect(await second.json()).toMatchObject({ delivered: 0, parked: 1, owned: 1 });
    const breakId = lateReturnWorkflowId(endToEndId, returned.amountMinor, returned.currency);
    const parked = (await audit.list('late-rail-events')).filter((e) => e.data.workflowId === workflowId);
    expect(parked.map((e) => e.data.ownedBy)).toEqual([breakId, breakId]);
    const owner = bed.client.workflow.getHandle(breakId);
    const description = await owner.describe();
    expect(description.type).toBe('reconBreak');
    const history = await owner.fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([
      'breakObserved',
      'breakObserved',
    ]);
    const input = await decodeFromPayloadsAtIndex(
      bed.client.options.loadedDataConverter,
      0,
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads,
    );
    expect(input).toMatchObject({
      source: 'rail_event',
      facts: {
        class: 'unexpected_external',
        hint: 'late_return',
        accountId: 'bank-main',
        amountMinor: 4_200,
        currency: 'EUR',
        refs: { workflowId, endToEndId, returnReason: 'AC04' },
      },
    });
    // Nothing started a new payout: the money goes back only through the break's audited resolution.
    expect((await bed.client.workflow.getHandle(workflowId).describe()).runId).toBe(handle.firstExecutionRunId);
    await owner.terminate('test over');
  });

  test('when a dispute event arrives after its case closed, then no new case starts and the event is parked before the 200', async () => {
    const disputeId = `dp_late${randomUUID().replace(/-/g, '')}`;
    const workflowId = `dispute-${disputeId}`;
    const handle = await bed.client.workflow.start('stackProbe', {
      workflowId,
      taskQueue: `no-worker-${randomUUID()}`,
      args: [{ probeId: 'late-dispute' }],
    });
    await handle.terminate('the case closed (its reopen window passed) before this event');
    const id = `evt_${randomUUID()}`;
    const lost = {
      id,
      object: 'event',
      type: 'charge.dispute.closed',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: disputeId,
          object: 'dispute',
          amount: 5_000,
          currency: 'eur',
          reason: 'fraudulent',
          status: 'lost',
          evidence_details: { due_by: Math.floor(Date.now() / 1000) + 86_400, submission_count: 1 },
          metadata: {},
        },
      },
    };

    const res = await postPsp(lost);

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ eventId: id, delivered: 0, parked: 1 });
    // The closed run is still the latest: nothing started a new case that would book the loss again.
    expect((await bed.client.workflow.getHandle(workflowId).describe()).runId).toBe(handle.firstExecutionRunId);
    expect((await audit.list('late-rail-events')).filter((e) => e.data.workflowId === workflowId)).toEqual([
      expect.objectContaining({
        eventId: `${id}:${workflowId}`,
        type: 'dispute.late_event',
        data: expect.objectContaining({ providerEventId: id, eventType: 'charge.dispute.closed' }),
      }),
    ]);
    expect(notifications.events.filter((e) => e.type === 'dispute.late_event')).toEqual([
      expect.objectContaining({ dedupeKey: `late-rail-events:${id}:${workflowId}` }),
    ]);
  });

  test('when a PSP webhook is forged or stale, then it is refused and nothing is parked or delivered', async () => {
    const workflowId = `payout-forged-${randomUUID()}`;
    const forged = await postPsp(reversal(`evt_${randomUUID()}`, workflowId), 'whsec_attacker');
    expect(forged.status).toBe(400);
    const stale = await postPsp(
      reversal(`evt_${randomUUID()}`, workflowId),
      config.PSP_WEBHOOK_SECRET,
      Math.floor(Date.now() / 1000) - 600,
    );
    expect(stale.status).toBe(400);
    expect(audit.events.filter((e) => JSON.stringify(e).includes(workflowId))).toEqual([]);
  });

  test('when a bank webhook is stale or its body names no event, then it is refused', async () => {
    const eventId = `bank-${randomUUID()}`;
    const body = buildCamt054({
      messageId: eventId,
      entries: [{ endToEndId: 'E2E-STALE', status: 'returned', amount: { amountMinor: 1000, currency: 'EUR' } }],
    });
    const post = (payload: string, timestamp?: number) =>
      postSigned(bed.ingress.url, 'bank', payload, {
        secret: config.BANK_WEBHOOK_SECRET,
        timestamp,
        headers: { 'x-bank-event-id': eventId },
      });
    const old = Math.floor(Date.now() / 1000) - 600;
    expect((await post(body, old)).status).toBe(400);
    // The event ID is the signed body's (Ntfctn/Id, else GrpHdr/MsgId), never the header's.
    const anonymous = body.replace(`<Id>${eventId}</Id>`, '').replace(`<MsgId>${eventId}</MsgId>`, '');
    expect((await post(anonymous)).status).toBe(400);
  });
});
