import type { Camt054Entry } from '../../activities/adapters/bank/iso20022';
import { bankE2eStream, reportRailEventSignal, type RailEvent } from '../../workflows/payouts/contract';
import type { Delivery, VerifiedEvent, WebhookRoute } from '../deliveries';

/** PSP event type → what it means for a payout. Anything else (`transfer.updated`, …) is not our concern. */
const PSP_KINDS: Record<string, RailEvent['kind']> = {
  'transfer.created': 'paid',
  'transfer.paid': 'paid',
  'transfer.failed': 'failed',
  'transfer.reversed': 'returned',
  'payout.paid': 'paid',
  'payout.failed': 'returned',
  'payout.canceled': 'returned',
};

/** Our transfers carry the payout workflow ID as `metadata.reference` / `transfer_group` (an ID, never account data). */
const isPayoutWorkflowId = (v: unknown): v is string => typeof v === 'string' && /^payout-[A-Za-z0-9_-]{1,64}$/.test(v);

function pspDeliveries(event: VerifiedEvent): Delivery[] {
  const kind = PSP_KINDS[event.type];
  if (!kind) return [];
  const object = (event.payload as { data?: { object?: Record<string, unknown> } })?.data?.object ?? {};
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const workflowId = [metadata.reference, metadata.payout_workflow_id, object.transfer_group].find(isPayoutWorkflowId);
  if (!workflowId) return [];
  const isTransfer = event.type.startsWith('transfer.');
  const code =
    typeof object.failure_code === 'string'
      ? object.failure_code
      : event.type === 'transfer.reversed'
        ? 'transfer_reversed'
        : undefined;
  const signal: RailEvent = {
    source: 'psp',
    eventId: event.eventId,
    kind,
    // A connected-account payout (`po_…`) is not the transfer the workflow knows; it applies to the current attempt.
    ...(isTransfer && typeof object.id === 'string' ? { reference: object.id } : {}),
    ...(code ? { code } : {}),
  };
  return [{ workflowId, signal: reportRailEventSignal.name, signalArgs: [signal] }];
}

/** The ingress hands bank events over already parsed (`parseCamt054`). */
const camtEntries = (payload: unknown): Camt054Entry[] =>
  (payload as { entries?: Camt054Entry[] } | undefined)?.entries ?? [];

/**
 * Payout webhooks → `reportRailEvent` signals. PSP events name their workflow in transfer metadata; a bank camt.054
 * names only EndToEndIds, which the initiating activity recorded in the audit store (`bank-e2e:<id>`) before sending.
 */
export const payoutsRoute: WebhookRoute = async (event, deps) => {
  if (event.source === 'psp') return pspDeliveries(event);
  if (!event.type.startsWith('camt.054')) return [];
  const out: Delivery[] = [];
  for (const entry of camtEntries(event.payload)) {
    const route = (await deps.audit.list(bankE2eStream(entry.endToEndId))).find((e) => e.type === 'payout.bank_route');
    const workflowId = route?.data.workflowId;
    if (!isPayoutWorkflowId(workflowId)) continue;
    const signal: RailEvent = {
      source: 'bank',
      eventId: `${event.eventId}:${entry.endToEndId}`,
      kind: entry.status === 'returned' ? 'returned' : 'paid',
      reference: entry.endToEndId,
      ...(entry.returnCode ? { code: entry.returnCode } : {}),
    };
    out.push({ workflowId, signal: reportRailEventSignal.name, signalArgs: [signal] });
  }
  return out;
};
