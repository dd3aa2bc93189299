import { disputesRoute, toDisputeEvent } from '../../ingress/routes/disputes';
import type { VerifiedEvent } from '../../ingress/deliveries';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';

const stripeEvent = (
  id: string,
  type: string,
  object: Record<string, unknown>,
  created: number,
  previous?: Record<string, unknown>,
) => ({
  id,
  object: 'event',
  created,
  type,
  data: { object, ...(previous ? { previous_attributes: previous } : {}) },
});
const dispute = (status: string, over: Record<string, unknown> = {}) => ({
  id: 'dp_route1',
  object: 'dispute',
  amount: 4200,
  currency: 'eur',
  reason: 'product_not_received',
  status,
  evidence_details: { due_by: 1_900_000_000, submission_count: 0 },
  metadata: { orderId: 'ord-77' },
  ...over,
});
const verified = (payload: ReturnType<typeof stripeEvent>): VerifiedEvent => ({
  source: 'psp',
  eventId: payload.id,
  type: payload.type,
  payload,
});
const deps = { audit: createFakeAudit(), notifications: createFakeNotifications() };

describe('disputes webhook route', () => {
  test('when a dispute is created, then one signalWithStart goes to dispute-<disputeId> with the parsed event', async () => {
    const out = await disputesRoute(
      verified(stripeEvent('evt_a', 'charge.dispute.created', dispute('needs_response'), 1_800_000_000)),
      deps,
    );
    expect(out).toEqual([
      {
        workflowId: 'dispute-dp_route1',
        signal: 'receivePspEvent',
        signalArgs: [
          {
            eventId: 'evt_a',
            type: 'charge.dispute.created',
            createdAt: new Date(1_800_000_000_000).toISOString(),
            disputeId: 'dp_route1',
            status: 'needs_response',
            dueBy: new Date(1_900_000_000_000).toISOString(),
            amount: { amountMinor: 4200, currency: 'EUR' },
            reason: 'product_not_received',
            orderId: 'ord-77',
            submissionCount: 0,
          },
        ],
        start: { workflowType: 'disputeCase', args: [{ disputeId: 'dp_route1' }], rejectDuplicate: true },
      },
    ]);
  });

  test('when the same event is delivered twice or events come out of order, then every delivery targets the same case', async () => {
    const created = verified(stripeEvent('evt_a', 'charge.dispute.created', dispute('needs_response'), 100));
    const closed = verified(stripeEvent('evt_c', 'charge.dispute.closed', dispute('won'), 300));
    const updated = verified(
      stripeEvent('evt_b', 'charge.dispute.updated', dispute('under_review'), 200, { status: 'needs_response' }),
    );
    const outs = await Promise.all([closed, created, updated, created].map((e) => disputesRoute(e, deps)));
    expect(new Set(outs.map((o) => o[0]?.workflowId))).toEqual(new Set(['dispute-dp_route1']));
    expect(outs.map((o) => (o[0]?.signalArgs[0] as { eventId: string }).eventId)).toEqual([
      'evt_c',
      'evt_a',
      'evt_b',
      'evt_a',
    ]);
    expect((outs[2]?.[0]?.signalArgs[0] as { previousStatus: string }).previousStatus).toBe('needs_response');
  });

  test('when a connected account dispute comes (event.account), then no case starts and it is parked for ops', async () => {
    const audit = createFakeAudit();
    const notifications = createFakeNotifications();
    const payload = { ...stripeEvent('evt_acct', 'charge.dispute.closed', dispute('lost'), 500), account: 'acct_x' };
    expect(await disputesRoute(verified(payload), { audit, notifications })).toEqual([]);
    expect(await audit.list('connected-account-events')).toEqual([
      expect.objectContaining({
        eventId: 'evt_acct',
        type: 'dispute.connected_account_event',
        data: {
          account: 'acct_x',
          eventType: 'charge.dispute.closed',
          disputeId: 'dp_route1',
          status: 'lost',
          amountMinor: 4200,
          currency: 'EUR',
        },
      }),
    ]);
    expect(notifications.events).toEqual([
      expect.objectContaining({
        type: 'dispute.connected_account_event',
        dedupeKey: 'connected-account-events:evt_acct',
      }),
    ]);
  });

  test('when the event is not a dispute, comes from the bank, or is malformed, then the route delivers nothing', async () => {
    expect(
      await disputesRoute(verified(stripeEvent('evt_x', 'payout.paid', { id: 'po_1', object: 'payout' }, 1)), deps),
    ).toEqual([]);
    expect(await disputesRoute({ source: 'bank', eventId: 'b1', type: 'camt.054', payload: {} }, deps)).toEqual([]);
    expect(
      await disputesRoute(
        verified(stripeEvent('evt_y', 'charge.dispute.created', dispute('needs_response', { amount: 12.5 }), 1)),
        deps,
      ),
    ).toEqual([]);
    expect(
      await disputesRoute(
        verified(stripeEvent('evt_z', 'charge.dispute.created', dispute('needs_response', { currency: 'xxx' }), 1)),
        deps,
      ),
    ).toEqual([]);
    expect(
      toDisputeEvent(
        verified(
          stripeEvent('evt_w', 'charge.dispute.created', dispute('needs_response', { id: 'ch_notadispute' }), 1),
        ),
      ),
    ).toBeUndefined();
  });
});
