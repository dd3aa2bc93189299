import type { StaffRefusalCode } from '../shared/verified-staff';
import type { Currency } from '../shared/money';
import type { Role } from './contract';

/** The rules' vocabulary (re-exported by `contract.ts`): resolved remedies, outside facts, routes, refusal codes. */

/** What the request asks for, resolved to amounts (a full refund becomes "everything not yet refunded"). */
export interface Remedies {
  refundMinor: number;
  storeCreditMinor: number;
  voucherMinor: number;
}

/** Facts read from outside when a request starts; kept in the workflow so later checks are pure. */
export interface RequestFacts {
  orderCustomerId: string;
  captured: { amountMinor: number; currency: Currency };
  refundedMinor: number;
  /** Other compensation requests for the same order. */
  priorClaims: number;
  /** The disputes domain recorded a `dispute.opened` for the order. */
  disputeOpened: boolean;
  /** Sum of this agent's executed compensations today in the request currency. */
  agentSpentTodayMinor: number;
}

/** Why a request needs more scrutiny than its amount alone asks for. */
export type Flag = 'dispute_open' | 'repeat_claim' | 'agent_budget_exceeded';

/** Who must decide: a tier, the lowest role allowed, and how many different approvers. */
export interface Route {
  tierIndex: number;
  tier: string;
  minRole: Role;
  approvalsRequired: number;
}

/** Why the policy rejects a request outright (the failure's `details.code`). */
export type PolicyRejectCode =
  | 'currency_not_covered'
  | 'currency_mismatch'
  | 'customer_mismatch'
  | 'nothing_left_to_refund'
  | 'refund_exceeds_captured'
  | 'above_all_limits';

/** Why a finance decision is refused (the refusal's `code`). */
export type DecisionRejectCode =
  | 'not_open'
  | 'already_decided'
  | 'expired'
  | 'self_approval'
  | 'role_below_tier'
  | 'over_role_limit'
  | 'duplicate_vote'
  | 'amount_changed';

/**
 * Why the caller's identity is refused (`Unauthorized`): the command assertion's check, or the body naming someone
 * else (the shared staff check's codes).
 */
export type IdentityRefusalCode = StaffRefusalCode;

/** Every `code` an approvals update refuses with (a refused `Verdict`'s `code`). */
export type ApprovalRefusalCode =
  DecisionRejectCode | PolicyRejectCode | IdentityRefusalCode | 'not_requester' | 'invalid_input';
