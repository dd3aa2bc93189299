import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { orderAuditStream } from '../../workflows/approvals/contract';
import {
  OPEN_PSP,
  REVIEW_PSP,
  type DisputeActivities,
  type EscalationTier,
  type LedgerPosition,
} from '../../workflows/disputes/contract';
import { failure, FailureType } from '../../workflows/shared/failures';
import { idempotencyKey } from '../../workflows/shared/task-queue';
import { Accounts } from '../adapters/ledger/port';
import { postingFactsOf } from '../posting-facts';
import { createSharedActivities } from '../shared';
import type { ActivityDeps } from '../deps';

/** Team mailboxes per tier: internal addresses, never a customer's. */
export const DISPUTE_MAILBOXES: Record<EscalationTier, string> = {
  tier1: 'disputes-tier1@payops.example',
  tier2: 'disputes-tier2@payops.example',
  finance_legal: 'finance-legal@payops.example',
};

/** Where the disputed money sits in each ledger position (hold = the PSP took it and the case is open). */
const POSITION_ACCOUNT: Record<LedgerPosition, string> = {
  none: Accounts.platformCash,
  held: Accounts.disputesHeld,
  released: Accounts.platformCash,
  written_off: Accounts.disputeLosses,
};

/** Activities of the dispute domain: evidence gathering, the once-only PSP submission, ledger moves, cross-checks. */
export function createDisputeActivities(deps: ActivityDeps) {
  const { appendAudit } = createSharedActivities(deps);
  return {
    appendAudit,

    /** Reads one evidence source for an order and maps it to PSP evidence fields; a missing record is a fact. */
    async gatherDisputeEvidence(i) {
      const src = deps.evidence;
      if (!src) throw failure(FailureType.ProviderPermanent, 'gatherDisputeEvidence: no evidence source is configured');
      if (i.source === 'order') {
        const o = await src.getOrder(i.orderId);
        return o
          ? {
              found: true,
              evidence: { product_description: `${o.productDescription} (ordered ${o.orderedAt.slice(0, 10)})` },
            }
          : { found: false, evidence: {} };
      }
      if (i.source === 'shipment') {
        const s = await src.getShipment(i.orderId);
        if (!s) return { found: false, evidence: {} };
        const delivered = s.deliveredAt ? `; delivered ${s.deliveredAt.slice(0, 10)}` : '';
        return {
          found: true,
          evidence: {
            shipping_carrier: s.carrier,
            shipping_tracking_number: s.trackingNumber,
            shipping_date: `${s.shippedAt.slice(0, 10)}${delivered}`,
          },
        };
      }
      const c = await src.getCommunications(i.orderId);
      if (!c || c.length === 0) return { found: false, evidence: {} };
      const lines = c.map((m) => `${m.at.slice(0, 10)} ${m.channel} ${m.direction}: ${m.summary}`);
      return { found: true, evidence: { customer_communication: lines.join('\n') } };
    },

    /** The dispute as the PSP sees it now (facts when no webhook came, and outcome polls). */
    getDisputeFacts: (i) => deps.psp.getDispute(i.disputeId),

    /**
     * Updates the evidence, then submits it, at most once per round. Guards: the workflow asks only once per round;
     * here the PSP's `submission_count` is compared with the round's baseline (someone else submitted → no call);
     * both PSP calls carry idempotency keys, so a retry after a lost response replays our own success.
     */
    async submitDisputeEvidenceOnce(i) {
      const d = await deps.psp.getDispute(i.disputeId);
      const firstAttempt = activityInfo().attempt === 1;
      if (!OPEN_PSP.has(d.status) && !REVIEW_PSP.has(d.status))
        return { result: 'closed', status: d.status, submissionCount: d.submissionCount };
      // On a first attempt a higher count cannot be ours; on a retry it may be, and the idempotent replay tells.
      if (d.submissionCount > i.baselineSubmissionCount && firstAttempt)
        return { result: 'submitted_outside', status: d.status, submissionCount: d.submissionCount };
      const evidence = Object.fromEntries(
        Object.entries(i.evidence).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      try {
        if (OPEN_PSP.has(d.status)) {
          await deps.psp.submitDisputeEvidence({
            idempotencyKey: idempotencyKey(i.workflowId, `evidence-r${i.round}-update`),
            disputeId: i.disputeId,
            evidence,
            submit: false,
          });
        }
        const s = await deps.psp.submitDisputeEvidence({
          idempotencyKey: idempotencyKey(i.workflowId, `evidence-r${i.round}-submit`),
          disputeId: i.disputeId,
          evidence,
          submit: true,
        });
        return { result: 'submitted', status: s.status, submissionCount: s.submissionCount };
      } catch (err) {
        // The PSP refuses because the dispute was submitted by someone else (dashboard, another system): not ours.
        if (err instanceof ApplicationFailure && err.type === FailureType.Conflict) {
          const now = await deps.psp.getDispute(i.disputeId);
          if (REVIEW_PSP.has(now.status))
            return { result: 'submitted_outside', status: now.status, submissionCount: now.submissionCount };
          if (!OPEN_PSP.has(now.status))
            return { result: 'closed', status: now.status, submissionCount: now.submissionCount };
        }
        throw err;
      }
    },

    /** Accepts liability at the PSP (closes the dispute as lost). */
    async acceptDisputeLiability(i) {
      return deps.psp.acceptDispute({
        idempotencyKey: idempotencyKey(i.workflowId, `accept-r${i.round}`),
        disputeId: i.disputeId,
      });
    },

    /** Moves the disputed amount between ledger positions (hold, release, write-off) in one idempotent posting. */
    async moveDisputedFunds(i) {
      const debit = POSITION_ACCOUNT[i.to];
      const credit = POSITION_ACCOUNT[i.from];
      if (debit === credit) return { posted: false };
      const r = await deps.ledger.post({
        postingId: i.postingId,
        currency: i.amount.currency,
        description: `dispute ${i.disputeId}: ${i.from} → ${i.to}`,
        legs: [
          { account: debit, amountMinor: i.amount.amountMinor },
          { account: credit, amountMinor: -i.amount.amountMinor },
        ],
        ...postingFactsOf(i),
      });
      return { posted: !r.alreadyPosted };
    },

    /**
     * Cross-checks the order with the approvals domain through the audit stream `order:<orderId>`: reports earlier
     * `compensation.executed` events, and appends `dispute.opened` so that side sees the dispute too.
     */
    async crossCheckDisputedOrder(i) {
      const stream = orderAuditStream(i.orderId);
      const events = await deps.audit.list(stream);
      const compensations = events
        .filter((e) => e.type === 'compensation.executed')
        .map((e) => ({
          eventId: e.eventId,
          ...(typeof e.data['amountMinor'] === 'number' ? { amountMinor: e.data['amountMinor'] } : {}),
          ...(typeof e.data['currency'] === 'string' ? { currency: e.data['currency'] } : {}),
        }));
      await deps.audit.append({
        stream,
        eventId: `dispute.opened:${i.workflowId}`,
        at: i.openedAt,
        type: 'dispute.opened',
        data: {
          workflowId: i.workflowId,
          disputeId: i.disputeId,
          amountMinor: i.amount.amountMinor,
          currency: i.amount.currency,
        },
      });
      return { compensations };
    },

    /** Emails the tier's team mailbox and publishes `dispute.<kind>` for other systems. */
    async notifyDisputeTeam(i) {
      await deps.notifications.sendEmail({ to: DISPUTE_MAILBOXES[i.tier], subject: i.subject, body: i.body });
      const { messageId } = await deps.notifications.publishEvent({
        type: `dispute.${i.kind}`,
        dedupeKey: i.dedupeKey,
        data: { ...i.data, tier: i.tier },
      });
      return { messageId };
    },
  } satisfies DisputeActivities;
}
