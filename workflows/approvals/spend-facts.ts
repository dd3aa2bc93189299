import type { Currency } from '../shared/money';
import { effectiveDateOf } from '../shared/posting-facts';
import type { ApprovalCase } from './state';

/**
 * What the approvals workflow books when a request is carried out (or fails after issuing something): the ledger
 * postings of its cost and the compensation fact reports read. Built in the workflow from its own state, so every
 * retry of the activity writes the same postings and the same fact, byte for byte.
 */
export interface CompensationBooking {
  workflowId: string;
  requestId: string;
  orderId: string;
  customerId: string;
  outcome: 'executed' | 'failed';
  /** Workflow time (ISO): the fact's time and, as a UTC day, the postings' effective date. */
  at: string;
  effectiveDate: string;
  reasonCode: string;
  agentId: string;
  agentRole: string;
  /** The requester's verified team (absent: none; the fact records null). */
  team?: string;
  approvers: Array<{ id: string; role: string }>;
  tier: string;
  autoApproved: boolean;
  policyVersion: string;
  currency: Currency;
  issued: { refundMinor: number; storeCreditMinor: number; voucherMinor: number };
  /** Taken back after a failure (the saga's undo); always zero when executed. */
  undone: { storeCreditMinor: number; voucherMinor: number };
}

/** The activity that books a compensation (implemented in `activities/approvals/spend.ts`). */
export interface SpendActivities {
  /** Posts the compensation's cost (and its undo) to the ledger and writes its fact; idempotent per workflow ID. */
  bookCompensation(i: CompensationBooking): Promise<{ postingIds: string[]; factKey: string }>;
}

/**
 * The booking of a request that executed, or that failed after issuing something (undefined: nothing was issued, so
 * nothing is booked). Call with workflow time.
 */
export function bookingOf(c: ApprovalCase, outcome: 'executed' | 'failed'): CompensationBooking | undefined {
  const r = c.remedies;
  if (!r) return undefined;
  const x = c.execution;
  // After an impossible refund the remedies are the alternative's; what was issued before it, the original ones'.
  const asked = c.alternative?.from ?? r;
  const firstCredit = x.storeCreditId ? asked.storeCreditMinor : 0;
  const alternativeCredit = x.alternativeCreditId ? (c.alternative?.amountMinor ?? 0) : 0;
  const issued =
    outcome === 'executed'
      ? { refundMinor: r.refundMinor, storeCreditMinor: r.storeCreditMinor, voucherMinor: r.voucherMinor }
      : {
          refundMinor: x.refundId ? asked.refundMinor : 0,
          storeCreditMinor: firstCredit + alternativeCredit,
          voucherMinor: x.voucherId ? asked.voucherMinor : 0,
        };
  if (issued.refundMinor + issued.storeCreditMinor + issued.voucherMinor === 0) return undefined;
  const undoneSteps = outcome === 'failed' ? (x.undone ?? []) : [];
  const undone = {
    storeCreditMinor:
      (undoneSteps.includes('store-credit') ? firstCredit : 0) +
      (undoneSteps.includes('store-credit-alternative') ? alternativeCredit : 0),
    voucherMinor: undoneSteps.includes('voucher') ? issued.voucherMinor : 0,
  };
  const now = Date.now();
  const rq = c.request;
  const autoApproved = c.decisions.some((d) => d.decision === 'auto_approve' && d.accepted);
  return {
    workflowId: c.workflowId,
    requestId: rq.requestId,
    orderId: rq.orderId,
    customerId: rq.customerId,
    outcome,
    at: new Date(now).toISOString(),
    effectiveDate: effectiveDateOf(now),
    reasonCode: rq.reasonCode,
    agentId: rq.requester.agentId,
    agentRole: rq.requester.role,
    ...(rq.requester.team ? { team: rq.requester.team } : {}),
    approvers: c.approvals.map((a) => ({ id: a.approverId, role: a.role })),
    tier: autoApproved ? 'auto' : (c.route?.tier ?? 'none'),
    autoApproved,
    policyVersion: rq.policyVersion,
    currency: rq.currency,
    issued,
    undone,
  };
}
