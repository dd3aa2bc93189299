import type { SharedActivities } from '../shared/activities';
import type { Money } from '../shared/money';
import type { EscalationTier, Evidence, EvidenceSource, LedgerPosition, OrderCompensation } from './contract';

/** A dispute as the PSP reports it (`status` is the PSP's word; `dueBy` an ISO instant). */
export interface DisputeFacts {
  disputeId: string;
  status: string;
  dueBy: string;
  submissionCount: number;
  amount: Money;
  reason: string;
  /** The order the dispute is about, when the PSP holds it (our charge metadata). */
  orderId?: string;
}

/**
 * The activities a dispute case calls (implemented by `createDisputeActivities` under `activities/disputes/`), plus
 * the shared `appendAudit`. Wire names are these method names.
 */
export interface DisputeActivities extends Pick<SharedActivities, 'appendAudit'> {
  /** Reads one evidence source for an order; a missing record is `found: false`, not an error. */
  gatherDisputeEvidence(i: {
    orderId: string;
    source: EvidenceSource;
  }): Promise<{ found: boolean; evidence: Evidence }>;
  /** The dispute as the PSP sees it now (`status` is the PSP's word, parsed by the case). */
  getDisputeFacts(i: { disputeId: string }): Promise<DisputeFacts>;
  /** Updates and submits the evidence at most once per round (guarded by the PSP's submission count). */
  submitDisputeEvidenceOnce(i: {
    workflowId: string;
    disputeId: string;
    round: number;
    baselineSubmissionCount: number;
    evidence: Evidence;
  }): Promise<{ result: 'submitted' | 'submitted_outside' | 'closed'; status: string; submissionCount: number }>;
  /** Accepts liability at the PSP (the dispute closes as lost). */
  acceptDisputeLiability(i: { workflowId: string; disputeId: string; round: number }): Promise<{ status: string }>;
  /** Moves the disputed amount between ledger positions in one idempotent posting. */
  moveDisputedFunds(i: {
    postingId: string;
    disputeId: string;
    from: LedgerPosition;
    to: LedgerPosition;
    amount: Money;
  }): Promise<{ posted: boolean }>;
  /** Reports compensations already paid on the order and tells the approvals side about the dispute. */
  crossCheckDisputedOrder(i: {
    orderId: string;
    workflowId: string;
    disputeId: string;
    amount: Money;
    openedAt: string;
  }): Promise<{ compensations: OrderCompensation[] }>;
  /** Emails the tier's team and publishes `dispute.<kind>`; `dedupeKey` makes repeats harmless. */
  notifyDisputeTeam(i: {
    tier: EscalationTier;
    kind: string;
    dedupeKey: string;
    subject: string;
    body: string;
    data: Record<string, unknown>;
  }): Promise<{ messageId: string }>;
}
