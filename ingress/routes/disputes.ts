import {
  disputeCaseWorkflowId,
  pspDisputeEvent,
  receivePspEventSignal,
  type PspDisputeEvent,
} from '../../workflows/disputes/contract';
import type { Delivery, RouteDeps, VerifiedEvent, WebhookRoute } from '../deliveries';
import { parkForOps } from '../parking';

/**
 * `charge.dispute.*` PSP webhooks → signalWithStart of the dispute's case (workflow ID `dispute-<disputeId>`), so
 * duplicates and out-of-order deliveries all land in one case; the case itself dedupes by event ID and orders by
 * the PSP's creation time. Events it cannot read are dropped here (the PSP would only retry the same bytes). A
 * connected account's dispute (`event.account`) is that account's, not the platform's: it is parked for ops and
 * starts no case (the platform ledger would hold, and on a loss write off, money that is not its own). A case that
 * has closed is never started again: the ingress parks the event instead (`app.ts`, `rejectDuplicate`).
 */
export const disputesRoute: WebhookRoute = async (event, deps) => {
  const parsed = toDisputeEvent(event);
  if (!parsed) return [];
  const account = connectedAccount(event.payload);
  if (account) {
    await parkConnectedAccountDispute(event, account, parsed, deps);
    return [];
  }
  const delivery: Delivery = {
    workflowId: disputeCaseWorkflowId(parsed.disputeId),
    signal: receivePspEventSignal.name,
    signalArgs: [parsed],
    start: { workflowType: 'disputeCase', args: [{ disputeId: parsed.disputeId }], rejectDuplicate: true },
  };
  return [delivery];
};

function connectedAccount(payload: unknown): string | undefined {
  const account = asRecord(payload)?.['account'];
  return typeof account === 'string' && account !== '' ? account : undefined;
}

/** Ops see a connected account's dispute (audit + domain event) to follow up with that account; no case starts. */
async function parkConnectedAccountDispute(
  event: VerifiedEvent,
  account: string,
  e: PspDisputeEvent,
  deps: RouteDeps,
): Promise<void> {
  await parkForOps(deps, {
    stream: 'connected-account-events',
    eventId: event.eventId,
    type: 'dispute.connected_account_event',
    data: {
      account,
      eventType: event.type,
      disputeId: e.disputeId,
      status: e.status,
      amountMinor: e.amount.amountMinor,
      currency: e.amount.currency,
    },
  });
}

/** The case's view of a Stripe dispute event (`payload` is the whole event, or just its `data.object`). */
export function toDisputeEvent(event: VerifiedEvent): PspDisputeEvent | undefined {
  if (event.source !== 'psp' || !event.type.startsWith('charge.dispute.')) return undefined;
  const payload = asRecord(event.payload);
  const data = asRecord(payload?.['data']);
  const obj = asRecord(data?.['object']) ?? payload;
  if (!obj || obj['object'] !== 'dispute') return undefined;
  const details = asRecord(obj['evidence_details']);
  const previous = asRecord(data?.['previous_attributes']);
  const metadata = asRecord(obj['metadata']);
  const created = typeof payload?.['created'] === 'number' ? payload['created'] : undefined;
  const dueBy = details?.['due_by'];
  const result = pspDisputeEvent.safeParse({
    eventId: event.eventId,
    type: event.type,
    createdAt: created !== undefined ? new Date(created * 1000).toISOString() : undefined,
    disputeId: obj['id'],
    status: obj['status'],
    ...(typeof previous?.['status'] === 'string' ? { previousStatus: previous['status'] } : {}),
    dueBy: typeof dueBy === 'number' ? new Date(dueBy * 1000).toISOString() : undefined,
    amount: {
      amountMinor: obj['amount'],
      currency: typeof obj['currency'] === 'string' ? obj['currency'].toUpperCase() : obj['currency'],
    },
    reason: obj['reason'],
    ...(typeof metadata?.['orderId'] === 'string' ? { orderId: metadata['orderId'] } : {}),
    submissionCount: details?.['submission_count'] ?? 0,
  });
  return result.success ? result.data : undefined;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
