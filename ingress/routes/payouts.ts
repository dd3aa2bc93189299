import { isCurrency } from '../../activities/adapters/bank/amounts';
import type { Camt054Entry } from '../../activities/adapters/bank/iso20022';
import { bankE2eStream, reportRailEventSignal, type RailEvent } from '../../workflows/payouts/contract';
import { lateEventOwner } from '../../workflows/recon-breaks/late-events';
import type { ProviderTransferStatus } from '../../activities/adapters/adyen/port';
import type { ProviderId } from '../../workflows/routing/contract';
import { payoutOfReference } from '../../workflows/shared/payout-reference';
import type { AdyenTransferWebhook } from '../adyen';
import type { Delivery, RouteDeps, VerifiedEvent, WebhookRoute } from '../deliveries';
import { parkForOps } from '../parking';

/** Transfer event type → what it means for a payout. Anything else (`transfer.updated`, …) is not our concern. */
const TRANSFER_KINDS: Record<string, RailEvent['kind']> = {
  'transfer.created': 'paid',
  'transfer.paid': 'paid',
  'transfer.failed': 'failed',
  'transfer.reversed': 'returned',
};

/** Our transfers carry the payout workflow ID as `transfer_group` (an ID, never account data). */
const isPayoutWorkflowId = (v: unknown): v is string => typeof v === 'string' && /^payout-[A-Za-z0-9_-]{1,64}$/.test(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

/**
 * PSP events → the payout that created the transfer. Only the platform's own transfers (`tr_…`, no `event.account`)
 * are bound, and only by the `transfer_group` we set when creating them: metadata is not trusted for routing, and a
 * payout object (`po_…`) is never ours (the product creates no payouts; a connected account's are theirs).
 */
async function pspDeliveries(event: VerifiedEvent, deps: RouteDeps): Promise<Delivery[]> {
  const payload = (event.payload ?? {}) as { account?: unknown; data?: { object?: Record<string, unknown> } };
  const object = payload.data?.object ?? {};
  if (typeof payload.account === 'string' && payload.account !== '') {
    await parkConnectedAccountEvent(event, payload.account, object, deps);
    return [];
  }
  const kind = TRANSFER_KINDS[event.type];
  const workflowId = object.transfer_group;
  if (!kind || object.object !== 'transfer' || !isPayoutWorkflowId(workflowId)) return [];
  const code =
    typeof object.failure_code === 'string'
      ? object.failure_code
      : event.type === 'transfer.reversed'
        ? 'transfer_reversed'
        : undefined;
  // A reversal may be partial: say how much is back in all, and out of how much (the workflow decides).
  const returned = kind === 'returned' ? num(object.amount_reversed) : undefined;
  const amount = num(object.amount);
  const signal: RailEvent = {
    source: 'psp',
    eventId: event.eventId,
    kind,
    ...(typeof object.id === 'string' ? { reference: object.id } : {}),
    ...(code ? { code } : {}),
    ...(returned !== undefined ? { returnedAmountMinor: returned } : {}),
    ...(returned !== undefined && amount !== undefined && amount > 0 ? { transferAmountMinor: amount } : {}),
  };
  const currency = typeof object.currency === 'string' ? object.currency.toUpperCase() : undefined;
  const lateAmount = returned ?? amount;
  return [
    {
      workflowId,
      signal: reportRailEventSignal.name,
      signalArgs: [signal],
      // A return or failure after the payout closed is reconciliation's work (the break proves it at the rail before
      // acting); a late confirmation of what already happened is only parked.
      ...(lateAmount !== undefined && isCurrency(currency) && (kind === 'returned' || kind === 'failed')
        ? {
            onClosed: lateEventOwner({
              rail: 'psp',
              providerEventId: event.eventId,
              workflowId,
              kind,
              amountMinor: lateAmount,
              currency,
              ...(signal.reference ? { railRef: signal.reference } : {}),
              ...(code ? { reasonCode: code } : {}),
              atMs: Date.now(),
            }),
          }
        : {}),
    },
  ];
}

/**
 * A connected account's own payout failed or was canceled: the money went back to *that account's* balance, so it
 * is no return of our transfer and no payout workflow is told. Ops see it (audit + domain event) to follow up with
 * the creator; the account's metadata is left out, since the account holder writes it.
 */
async function parkConnectedAccountEvent(
  event: VerifiedEvent,
  account: string,
  object: Record<string, unknown>,
  deps: RouteDeps,
): Promise<void> {
  if (event.type !== 'payout.failed' && event.type !== 'payout.canceled') return;
  await parkForOps(deps, {
    stream: 'connected-account-events',
    eventId: event.eventId,
    type: 'payout.connected_account_payout_failed',
    data: {
      account,
      eventType: event.type,
      payoutObjectId: typeof object.id === 'string' ? object.id : null,
      status: typeof object.status === 'string' ? object.status : null,
      failureCode: typeof object.failure_code === 'string' ? object.failure_code : null,
      amountMinor: num(object.amount) ?? null,
      currency: typeof object.currency === 'string' ? object.currency.toUpperCase() : null,
    },
  });
}

/**
 * A rail event from a PSP other than Stripe: the same `reportRailEvent` shape (`source: 'psp'`, the PSP rail) with
 * the provider named. Workflows from before the second PSP strip `provider` (their schema is not strict) and check the
 * proof over the event as received, `provider` included.
 */
export type ProviderRailEvent = RailEvent & { provider: ProviderId };

/** Adyen's transfer status at the rail → what it means for a payout; received, authorised, refused: nothing to tell. */
const ADYEN_KINDS: Partial<Record<ProviderTransferStatus, RailEvent['kind']>> = {
  paid: 'paid',
  failed: 'failed',
  reversed: 'returned',
};

/**
 * Adyen transfer webhooks → the payout that created the transfer, on the rail's word only: the transfer is looked up
 * at Adyen by the webhook's transfer ID, and what Adyen answers (its status, its reference, its amount) makes the
 * event; the webhook's own fields are never used. A transfer Adyen does not know, one not in a final state
 * (received, authorised) or refused (the create's answer carried that to the payout), or one whose reference names
 * no payout, is acknowledged and not signalled. The event ID is the transfer and the rail's status, so every webhook
 * that finds the same state at the rail is the same event to the workflow (it dedupes by event ID).
 */
async function adyenDeliveries(event: VerifiedEvent, deps: RouteDeps): Promise<Delivery[]> {
  const hook = event.payload as AdyenTransferWebhook | undefined;
  if (!hook) return [];
  // No look-up configured is a deployment fault: 503, and Adyen delivers again once it is fixed.
  if (!deps.adyenRail) throw new Error('adyen: no transfer look-up configured');
  const t = await deps.adyenRail.getTransfer(hook.transferId);
  if (t === 'not_found' || t.transferId !== hook.transferId) return [];
  const kind = ADYEN_KINDS[t.status];
  const workflowId = payoutOfReference(t.reference);
  if (!kind || !workflowId) return [];
  const signal: ProviderRailEvent = {
    source: 'psp',
    provider: 'adyen',
    eventId: `adyen:${t.transferId}:${t.providerStatus}`,
    kind,
    reference: t.transferId,
    ...(kind !== 'paid' && t.reason ? { code: t.reason } : {}),
    // Adyen returns a transfer whole: what came back is the transfer's amount.
    ...(kind === 'returned'
      ? { returnedAmountMinor: t.amount.amountMinor, transferAmountMinor: t.amount.amountMinor }
      : {}),
  };
  // A return or failure after the payout closed is reconciliation's work, as for Stripe: a break on the Adyen account
  // (its amount and currency as Adyen states them); a late `paid` is only parked (a late success at A after B paid
  // is the day run's `duplicate_disbursement`, found from the statement).
  const late = kind === 'returned' || kind === 'failed' ? kind : undefined;
  return [
    {
      workflowId,
      signal: reportRailEventSignal.name,
      signalArgs: [signal],
      ...(late
        ? {
            onClosed: lateEventOwner({
              rail: 'psp-adyen',
              providerEventId: signal.eventId,
              workflowId,
              kind: late,
              amountMinor: t.amount.amountMinor,
              currency: t.amount.currency,
              railRef: t.transferId,
              ...(t.reason ? { reasonCode: t.reason } : {}),
              atMs: Date.now(),
            }),
          }
        : {}),
    },
  ];
}

/** The ingress hands bank events over already parsed (`parseCamt054`). */
const camtEntries = (payload: unknown): Camt054Entry[] =>
  (payload as { entries?: Camt054Entry[] } | undefined)?.entries ?? [];

/**
 * Payout webhooks → `reportRailEvent` signals. Stripe events name their workflow in the transfer's `transfer_group`,
 * Adyen transfers in their `reference` (read at Adyen, never from the webhook); a bank camt.054
 * names only EndToEndIds, which the initiating activity recorded in the audit store (`bank-e2e:<id>`) before sending.
 */
export const payoutsRoute: WebhookRoute = async (event, deps) => {
  if (event.source === 'psp') return pspDeliveries(event, deps);
  if (event.source === 'adyen') return adyenDeliveries(event, deps);
  if (!event.type.startsWith('camt.054')) return [];
  const out: Delivery[] = [];
  for (const entry of camtEntries(event.payload)) {
    const route = (await deps.audit.list(bankE2eStream(entry.endToEndId))).find((e) => e.type === 'payout.bank_route');
    const workflowId = route?.data.workflowId;
    if (!isPayoutWorkflowId(workflowId)) continue;
    const signal: RailEvent = {
      source: 'bank',
      // One file may book the same transfer twice (two partial returns): the booking's own reference tells them apart.
      eventId: `${event.eventId}:${entry.entryRef ?? entry.endToEndId}`,
      kind: entry.status === 'returned' ? 'returned' : 'paid',
      reference: entry.endToEndId,
      ...(entry.returnCode ? { code: entry.returnCode } : {}),
      // A camt.054 return books what came back in this entry; the workflow compares it with the transfer's amount.
      ...(entry.status === 'returned'
        ? {
            returnedAmountMinor: entry.amount.amountMinor,
            ...(entry.originalAmount ? { transferAmountMinor: entry.originalAmount.amountMinor } : {}),
          }
        : {}),
    };
    out.push({
      workflowId,
      signal: reportRailEventSignal.name,
      signalArgs: [signal],
      // A return after the payout closed is reconciliation's work: a break that books the money back once the bank
      // confirms it, not only a parked record.
      ...(entry.status === 'returned'
        ? {
            onClosed: lateEventOwner({
              rail: 'bank',
              providerEventId: signal.eventId,
              workflowId,
              kind: 'returned',
              amountMinor: entry.amount.amountMinor,
              currency: entry.amount.currency,
              endToEndId: entry.endToEndId,
              ...(entry.returnCode ? { reasonCode: entry.returnCode } : {}),
              atMs: Date.now(),
            }),
          }
        : {}),
    });
  }
  return out;
};
