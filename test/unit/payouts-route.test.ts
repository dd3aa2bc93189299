import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import type { VerifiedEvent } from '../../ingress/deliveries';
import { payoutsRoute } from '../../ingress/routes/payouts';
import { bankE2eStream, railEventSchema } from '../../workflows/payouts/contract';

const WF = 'payout-creator-1-2026-11';

const pspEvent = (id: string, type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const payload = { id, object: 'event', type, created: 1_800_000_000, data: { object }, ...extra };
  return { source: 'psp', eventId: id, type, payload } satisfies VerifiedEvent;
};
const transfer = (o: Record<string, unknown> = {}) => ({
  id: 'tr_1',
  object: 'transfer',
  amount: 1_000,
  amount_reversed: 0,
  reversed: false,
  currency: 'usd',
  destination: 'acct_creator',
  transfer_group: WF,
  metadata: { reference: WF },
  ...o,
});

describe('payouts webhook route', () => {
  const setup = () => {
    const audit = createFakeAudit();
    const notifications = createFakeNotifications();
    return { audit, notifications, deps: { audit, notifications } };
  };

  test('when part of a transfer is reversed, then the signal carries the amount returned so far and the transfer amount, so the workflow can tell a partial from a full return', async () => {
    const { deps } = setup();
    const partial = await payoutsRoute(
      pspEvent('evt_p', 'transfer.reversed', transfer({ amount_reversed: 300, reversed: false })),
      deps,
    );
    expect(partial).toEqual([
      {
        // Should the payout have closed, the reversal is owned by a reconciliation break for what came back.
        onClosed: expect.objectContaining({
          workflowType: 'reconBreak',
          args: [
            expect.objectContaining({
              facts: expect.objectContaining({ amountMinor: 300, hint: 'late_return', accountId: 'psp-platform' }),
            }),
          ],
        }),
        workflowId: WF,
        signal: 'reportRailEvent',
        signalArgs: [
          {
            source: 'psp',
            eventId: 'evt_p',
            kind: 'returned',
            reference: 'tr_1',
            code: 'transfer_reversed',
            returnedAmountMinor: 300,
            transferAmountMinor: 1_000,
          },
        ],
      },
    ]);
    expect(railEventSchema.parse(partial[0]?.signalArgs[0])).toMatchObject({ returnedAmountMinor: 300 });
    const full = await payoutsRoute(
      pspEvent('evt_f', 'transfer.reversed', transfer({ amount_reversed: 1_000, reversed: true })),
      deps,
    );
    expect(full[0]?.signalArgs[0]).toMatchObject({ kind: 'returned', returnedAmountMinor: 1_000 });
  });

  test.each(['payout.failed', 'payout.canceled'])(
    "when a connected account's %s arrives (event.account set, metadata naming our workflow), then no payout is signalled and ops see it in the audit store and as a domain event",
    async (type) => {
      const { deps, audit, notifications } = setup();
      const po = {
        id: 'po_connected_1',
        object: 'payout',
        amount: 600,
        currency: 'usd',
        status: type === 'payout.failed' ? 'failed' : 'canceled',
        failure_code: type === 'payout.failed' ? 'account_closed' : null,
        metadata: { payout_workflow_id: WF, reference: WF },
      };
      const out = await payoutsRoute(pspEvent(`evt_${type}`, type, po, { account: 'acct_creator' }), deps);
      expect(out).toEqual([]);
      const parked = await audit.list('connected-account-events');
      expect(parked).toEqual([
        expect.objectContaining({
          eventId: `evt_${type}`,
          type: 'payout.connected_account_payout_failed',
          data: expect.objectContaining({ account: 'acct_creator', payoutObjectId: 'po_connected_1', eventType: type }),
        }),
      ]);
      expect(notifications.events).toEqual([
        expect.objectContaining({
          type: 'payout.connected_account_payout_failed',
          dedupeKey: `connected-account-events:evt_${type}`,
        }),
      ]);
    },
  );

  test('when a payout event names a workflow only in metadata (an object we did not create), then it is not taken as ours', async () => {
    const { deps } = setup();
    const po = { id: 'po_2', object: 'payout', status: 'failed', metadata: { payout_workflow_id: WF } };
    expect(await payoutsRoute(pspEvent('evt_po', 'payout.failed', po), deps)).toEqual([]);
    const onConnected = pspEvent('evt_tr_acct', 'transfer.reversed', transfer({ reversed: true }), {
      account: 'acct_other',
    });
    expect(await payoutsRoute(onConnected, deps)).toEqual([]);
  });

  test('when a transfer event arrives, then it is bound by the transfer_group we set, not by metadata', async () => {
    const { deps } = setup();
    const t = transfer({ metadata: { reference: 'payout-someone-else' }, transfer_group: WF });
    const out = await payoutsRoute(pspEvent('evt_t', 'transfer.reversed', t), deps);
    expect(out.map((d) => d.workflowId)).toEqual([WF]);
  });

  test('when a camt.054 books two partial returns of one transfer, then each reaches the workflow with its own amount and event ID', async () => {
    const { audit, deps } = setup();
    await audit.append({
      stream: bankE2eStream('E2E-1'),
      eventId: 'route',
      at: '2026-11-01T00:00:00Z',
      type: 'payout.bank_route',
      data: { workflowId: WF },
    });
    const entry = (entryRef: string, amountMinor: number) => ({
      endToEndId: 'E2E-1',
      status: 'returned' as const,
      returnCode: 'AC04',
      amount: { amountMinor, currency: 'EUR' as const },
      originalAmount: { amountMinor: 1_000, currency: 'EUR' as const },
      entryRef,
    });
    const out = await payoutsRoute(
      {
        source: 'bank',
        eventId: 'camt-1',
        type: 'camt.054',
        payload: { entries: [entry('N1', 300), entry('N2', 200)] },
      },
      deps,
    );
    const signals = out.map((d) => railEventSchema.parse(d.signalArgs[0]));
    expect(signals).toEqual([
      expect.objectContaining({
        eventId: 'camt-1:N1',
        kind: 'returned',
        returnedAmountMinor: 300,
        transferAmountMinor: 1_000,
      }),
      expect.objectContaining({
        eventId: 'camt-1:N2',
        kind: 'returned',
        returnedAmountMinor: 200,
        transferAmountMinor: 1_000,
      }),
    ]);
  });
});
