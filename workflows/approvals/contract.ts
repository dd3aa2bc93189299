import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { SharedActivities } from '../shared/activities';
import { amountMinorSchema, currencySchema, moneySchema, type Currency, type Money } from '../shared/money';
import { FailureType, refusalTable, type Refusal, type RefusalRule } from '../shared/failures';
import { staffRefusals, type StaffRefusalCode } from '../shared/verified-staff';

/** Roles in ascending order of authority: customer service first, then the finance ladder. */
export const ROLES = ['cs_agent', 'cs_lead', 'finance_approver', 'finance_manager', 'finance_director'] as const;
/** One rung of {@link ROLES}. */
export type Role = (typeof ROLES)[number];
/** A role, refused with the list of known ones. */
export const roleSchema = z.enum(ROLES, {
  error: (issue) => `unknown role ${JSON.stringify(issue.input)}; expected one of ${ROLES.join(', ')}`,
});

/** Policy versions ever published (their thresholds live in `policies.ts`); never remove one. */
export const POLICY_VERSIONS = ['2025-06.1', '2025-09.1'] as const;
/** One of {@link POLICY_VERSIONS}. */
export type PolicyVersion = (typeof POLICY_VERSIONS)[number];
/**
 * The version requests got when the client filled it in (histories recorded before the workflow decided it); new
 * requests get the version in effect at their start (`policyVersionAt` in `policies.ts`).
 */
export const CURRENT_POLICY_VERSION: PolicyVersion = '2025-06.1';

/** Internal IDs only (agents, customers, orders, requests): never an email or an account number. */
const internalId = (what: string) =>
  z.string({ error: `${what} must be a string` }).regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
    error: `${what} must be 1-64 letters, digits, '-' or '_' (an internal ID, never an email)`,
  });

/** Why customer service asks for compensation. */
export const REASON_CODES = [
  'late_delivery',
  'damaged_item',
  'missing_item',
  'wrong_item',
  'poor_service',
  'goodwill',
] as const;

/** A staff ID as the identity provider names people (`fin.carol`); compared case-folded. Never an email. */
const staffId = (what: string) =>
  z.string({ error: `${what} must be a string` }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    error: `${what} must be 1-64 letters, digits, '.', '-' or '_' (a staff ID, never an email)`,
  });

/**
 * The staff token (JWT) that proves who acts; the workflow verifies it. Optional in the wire schemas only because
 * histories recorded before it existed lack it: the workflow refuses a new message without one (`token_missing`).
 */
const staffToken = z
  .string({ error: 'token must be a string (the staff JWT from `npm run finance -- login`)' })
  .min(1, { error: 'token is required: log in first (npm run finance -- login --as <staff>)' })
  .max(8192, { error: 'token is too long to be a staff JWT' });

/** A free-text reason for a decision: short, single line. Kept in history and the audit trail, so no personal data. */
const decisionReason = z
  .string()
  .trim()
  .min(3, { error: 'reason must say why (at least 3 characters)' })
  .max(280)
  .regex(/^[^\n\r@]*$/, {
    error: 'reason must be one line without email addresses',
  });

/** What to give: any combination of a refund to the original payment method, store credit and a voucher. */
export const remediesSchema = z
  .object({
    refund: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('full') }),
        z.object({ kind: z.literal('partial'), amountMinor: amountMinorSchema }),
      ])
      .optional(),
    storeCreditMinor: amountMinorSchema.optional(),
    voucherMinor: amountMinorSchema.optional(),
  })
  .refine((r) => r.refund !== undefined || r.storeCreditMinor !== undefined || r.voucherMinor !== undefined, {
    error: 'ask for at least one of refund, storeCreditMinor, voucherMinor',
  });
/** What the request asks for, as the requester wrote it. */
export type RequestedRemedies = z.infer<typeof remediesSchema>;

/** Input of `compensationApproval`: one customer-service request for one order. */
export const compensationRequestSchema = z.object({
  /** The business key; the workflow ID is derived from it, so a repeated start is the same request. */
  requestId: internalId('requestId'),
  orderId: internalId('orderId'),
  customerId: internalId('customerId'),
  /** Who asks: proven by `token` (agentId and role come from it; if given here they must match it). */
  requester: z.object({
    token: staffToken.optional(),
    agentId: staffId('agentId').optional(),
    role: roleSchema.optional(),
  }),
  reasonCode: z.enum(REASON_CODES),
  currency: currencySchema,
  remedies: remediesSchema,
  /**
   * Best left out: the workflow applies the version in effect when it starts (`policyVersionAt`) and keeps it for
   * its whole life. If given, it must name that version (a start under another one is refused, `InvalidInput`), so a
   * caller can pin what it expects but never choose a laxer policy. Histories recorded before this rule carry the
   * version the client filled in.
   */
  policyVersion: z
    .enum(POLICY_VERSIONS, {
      error: (issue) =>
        `policyVersion: unknown version ${JSON.stringify(issue.input)}; leave it out to get the version in effect`,
    })
    .optional(),
});
/** A parsed request as it arrived, before the requester is verified and the policy version decided. */
export type CompensationRequestMessage = z.infer<typeof compensationRequestSchema>;
/** The requester once verified: the token's case-folded subject and acting role (body values in older histories). */
export interface Requester {
  agentId: string;
  role: Role;
  decidedBy?: DecidedBy;
  /** The requester's team from their verified assertion (never the body); absent when the provider issues none. */
  team?: string;
}
/** A request as the workflow keeps it: the requester verified, no token, the policy version decided. */
export type CompensationRequest = Omit<CompensationRequestMessage, 'requester' | 'policyVersion'> & {
  requester: Requester;
  policyVersion: PolicyVersion;
};

/** A finance decision (approve or reject), the same for the signal and the update. */
export const financeDecisionSchema = z.object({
  /** Proves who decides: the approver is the token's subject. */
  token: staffToken.optional(),
  /** Optional: if given, must name the token's subject. */
  approverId: staffId('approverId').optional(),
  /** The role acted in; must be one of the token's roles. Absent: the token's highest approvals role. */
  role: roleSchema.optional(),
  reason: decisionReason,
  /** The total the approver saw; a decision for an amount the request no longer has is refused. */
  amount: moneySchema,
  /**
   * The remedies the approver saw (as `getState` shows them). Required while the request proposes an alternative to
   * a refund the PSP refused: the same total as store credit instead of a refund is another decision, and the command
   * assertion's digest binds these amounts, so an assertion signed for the original remedies cannot approve it.
   */
  remedies: z
    .object({
      refundMinor: z.number().int().nonnegative(),
      storeCreditMinor: z.number().int().nonnegative(),
      voucherMinor: z.number().int().nonnegative(),
    })
    .strict()
    .optional(),
});
/** A finance decision's payload. */
export type FinanceDecisionInput = z.infer<typeof financeDecisionSchema>;

/** The requester changes what to give while the request waits; earlier approvals no longer count. */
export const amendCompensationSchema = z.object({
  /** Proves who amends: only the verified requester may. */
  token: staffToken.optional(),
  /** Optional: if given, must name the token's subject. */
  agentId: staffId('agentId').optional(),
  remedies: remediesSchema,
  reason: decisionReason,
});
/** An amendment's payload. */
export type AmendCompensationInput = z.infer<typeof amendCompensationSchema>;

/**
 * What callers write for the typed client: the fields without the token (the client asks the caller's signer for a
 * command assertion bound to exactly what it sends, and adds it: `requester.token` at a start, `token` otherwise).
 */
export const compensationRequestCommandSchema = compensationRequestSchema.extend({
  requester: compensationRequestSchema.shape.requester.omit({ token: true }),
});
export const financeDecisionCommandSchema = financeDecisionSchema.omit({ token: true });
export const amendCompensationCommandSchema = amendCompensationSchema.omit({ token: true });
/** A request as it reaches the workflow (policy version optional; `requester.token` the start's assertion). */
export type CompensationRequestInput = z.input<typeof compensationRequestSchema>;
/** A request as callers of the typed client write it (no token: the client signs it). */
export type CompensationRequestCommand = z.input<typeof compensationRequestCommandSchema>;
/** A finance decision as callers write it (no token: the client signs it). */
export type FinanceDecisionCommand = z.input<typeof financeDecisionCommandSchema>;
/** An amendment as callers write it (no token: the client signs it). */
export type AmendCompensationCommand = z.input<typeof amendCompensationCommandSchema>;

/** Who decided, as the verified token says (kept with each decision in the audit trail). */
export interface DecidedBy {
  subject: string;
  issuer: string;
  keyId: string;
}

/** Where a request stands (the `ApprovalState` search attribute). */
export const approvalStatusSchema = z.enum([
  'evaluating',
  'pending',
  'approved',
  'executing',
  'executed',
  'rejected',
  'expired',
  'failed',
  'cancelled',
]);
/** One of {@link approvalStatusSchema}'s values. */
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

/* The rules' vocabulary: resolved remedies, outside facts, routes, refusal codes. */

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

/*
 * Every code an approvals command refuses with, in one table: the failure type a caller branches on and what the
 * code means. Adding a refusal reason is a row here, the rule in `policy.ts` that returns it, and a test.
 */

const rule = (type: FailureType, summary: string): RefusalRule => ({ type, summary });

/** Why the policy rejects a request (at its start, or an amendment) outright. */
export const planRefusals = refusalTable({
  currency_not_covered: rule(FailureType.PolicyViolation, "the request's policy has no thresholds for its currency"),
  currency_mismatch: rule(FailureType.PolicyViolation, 'the request is in another currency than the order was paid in'),
  customer_mismatch: rule(FailureType.PolicyViolation, 'the order belongs to another customer'),
  nothing_left_to_refund: rule(
    FailureType.PolicyViolation,
    'a full refund was asked for an order already fully refunded',
  ),
  refund_exceeds_captured: rule(
    FailureType.PolicyViolation,
    'the refund exceeds what was captured and not yet refunded',
  ),
  above_all_limits: rule(FailureType.PolicyViolation, 'no role may approve the total under the policy'),
});

/** Why a finance decision (or an amendment, for `already_decided`) is refused. */
export const decisionRefusals = refusalTable({
  not_open: rule(FailureType.Conflict, 'the request is not waiting for a decision'),
  already_decided: rule(FailureType.Conflict, 'the request was already decided'),
  expired: rule(FailureType.Expired, 'the request has expired'),
  self_approval: rule(FailureType.PolicyViolation, 'the requester may not decide their own request'),
  role_below_tier: rule(FailureType.PolicyViolation, "the acting role is below the awaited tier's role"),
  over_role_limit: rule(FailureType.PolicyViolation, 'the acting role may not approve this much'),
  duplicate_vote: rule(FailureType.Conflict, 'this approver has already approved the request'),
  amount_changed: rule(FailureType.Conflict, 'the decision is for an amount the request no longer has'),
  remedies_changed: rule(
    FailureType.Conflict,
    'the decision is for remedies the request no longer has (it proposes store credit for a refund the PSP refused)',
  ),
});

/** Every approvals refusal: the staff check's (shared, `Unauthorized`), the policy's and the decisions'. */
export const approvalRefusals = refusalTable({
  ...staffRefusals,
  invalid_input: rule(FailureType.InvalidInput, 'the command does not parse (each bad field is named)'),
  policy_not_in_effect: rule(FailureType.InvalidInput, 'the start names a policy version that is not in effect'),
  not_requester: rule(FailureType.PolicyViolation, 'only the requester may amend the request'),
  ...planRefusals,
  ...decisionRefusals,
});

/** Why the policy rejects a request outright (the failure's `details.code`). */
export type PolicyRejectCode = keyof typeof planRefusals;
/** Why a finance decision is refused (the refusal's `code`). */
export type DecisionRejectCode = keyof typeof decisionRefusals;
/**
 * Why the caller's identity is refused (`Unauthorized`): the command assertion's check, or the body naming someone
 * else (the shared staff check's codes).
 */
export type IdentityRefusalCode = StaffRefusalCode;
/** Every `code` an approvals command refuses with. */
export type ApprovalRefusalCode = keyof typeof approvalRefusals;

/** An approvals refusal: its code, and the words callers see (`<code>: <detail>`, as every refusal reads). */
export const refused = <C extends ApprovalRefusalCode>(code: C, detail: string): Refusal<C> => ({
  code,
  message: `${code}: ${detail}`,
});

/* What an approval answers: its decision log, what it executed, its status, and the outcomes of its updates. */

/** One entry of the decision log (kept in state for the query and appended to the audit trail). */
export interface DecisionRecord {
  seq: number;
  at: string;
  actorId: string;
  role: Role | 'policy';
  decision:
    | 'approve'
    | 'reject'
    | 'amend'
    | 'auto_approve'
    | 'policy_reject'
    | 'remind'
    | 'hand_off'
    | 'expire'
    | 'auto_deny'
    | 'cancel'
    | 'propose_alternative';
  via: 'signal' | 'update' | 'policy' | 'timer';
  reason: string;
  amountMinor: number;
  currency: Currency;
  policyVersion: PolicyVersion;
  /** False for decisions refused by the rules; they are recorded and change nothing. */
  accepted: boolean;
  refusal?: DecisionRejectCode | IdentityRefusalCode | 'invalid_input';
  /** The verified token behind a person's decision (absent for the policy, timers and older histories). */
  decidedBy?: DecidedBy;
  /** On `propose_alternative`: the PSP's refusal (its evidence), the revised remedies and the policy's verdict. */
  alternative?: RefundAlternative;
}

/** The PSP's definitive refusal of a refund (nothing moved): its code and request ID, as the PSP answered. */
export interface RefundRefusal {
  provider: string;
  /** The PSP's code (`charge_expired_for_refund`, `charge_disputed`, a decline code…). */
  code: string;
  /** The PSP's request ID of the refusing call (absent when the PSP sent none). */
  requestId?: string;
  /** The product's failure type it surfaced as (`Declined`, `ProviderPermanent`). */
  failureType: string;
}

/**
 * A refund the PSP refused for good, and what the request proposes instead: the refund's amount as store credit,
 * the request's other remedies unchanged, put to the approval policy like a new request.
 */
export interface RefundAlternative {
  refusal: RefundRefusal;
  /** The remedies approved before the refusal. */
  from: Remedies;
  /** The refused refund's amount, now proposed as store credit. */
  amountMinor: number;
  /** The remedies proposed (`from` with the refund moved to store credit). */
  remedies: Remedies;
  /** What the policy decided for them. */
  verdict: 'auto_approve' | 'needs_approval' | 'reject';
  /** The tier that must decide (needs_approval). */
  tier?: string;
  /** When it was proposed (workflow time, ISO). */
  proposedAt: string;
}

/** What carrying out the request did (IDs of what was issued, and what was undone after a failure). */
export interface Execution {
  storeCreditId?: string;
  voucherId?: string;
  refundId?: string;
  /** The store credit issued instead of a refund the PSP refused (the alternative, once approved). */
  alternativeCreditId?: string;
  undone?: string[];
  /** Undos that failed after their retries (step and failure code): what ops must take back by hand. */
  undoFailed?: Array<{ step: string; code: string }>;
}

/** What {@link getStateQuery} returns. */
export interface CompensationStatus {
  requestId: string;
  orderId: string;
  requesterId: string;
  reasonCode: CompensationRequest['reasonCode'];
  status: ApprovalStatus;
  policyVersion: PolicyVersion;
  currency: Currency;
  remedies: Remedies | undefined;
  totalMinor: number | undefined;
  flags: Flag[];
  facts: RequestFacts | undefined;
  awaiting:
    | (Route & {
        approvedBy: string[];
        since: string;
        nextStage: string | undefined;
        nextStageAt: string | undefined;
        expiresAt: string;
      })
    | undefined;
  decisions: DecisionRecord[];
  execution: Execution;
  failure: string | undefined;
  /** The PSP refused the refund for good and the request proposes this instead (absent: it never did). */
  alternative?: RefundAlternative;
}

/** What the decision and amendment updates return: whether it counted and where the request stands now. */
export interface DecisionOutcome {
  seq: number;
  status: ApprovalStatus;
  approvalsReceived: number;
  approvalsRequired: number;
  policyVersion: PolicyVersion;
}

/** The workflow's result. `rejected` and `expired` are outcomes, not failures. */
export interface CompensationResult {
  requestId: string;
  status: 'executed' | 'rejected' | 'expired';
  policyVersion: PolicyVersion;
  totalMinor: number;
  currency: Currency;
  execution: Execution;
}

/** The workflow's signature as clients see it (handles are typed with it). */
export type CompensationApprovalWorkflow = (request: CompensationRequestInput) => Promise<CompensationResult>;

/** Finance approves (fire-and-forget; an invalid one is recorded as refused and changes nothing). */
export const approveCompensationSignal = defineSignal<[FinanceDecisionInput]>('approveCompensation');
/** Finance rejects (fire-and-forget). */
export const rejectCompensationSignal = defineSignal<[FinanceDecisionInput]>('rejectCompensation');
/** Finance approves and hears back; the validator refuses invalid decisions before anything enters history. */
export const approveCompensationUpdate = defineUpdate<DecisionOutcome, [FinanceDecisionInput]>('approveCompensation');
/** Finance rejects and hears back. */
export const rejectCompensationUpdate = defineUpdate<DecisionOutcome, [FinanceDecisionInput]>('rejectCompensation');
/** The requester changes what to give while it waits (approvals so far are reset). */
export const amendCompensationUpdate = defineUpdate<DecisionOutcome, [AmendCompensationInput]>('amendCompensation');
/** Where the request stands, including every decision and refusal: the name every domain answers. */
export const getStateQuery = defineQuery<CompensationStatus>('getState');
/** The same snapshot under its older name, kept for callers written before `getState`. */
export const getCompensationStatusQuery = defineQuery<CompensationStatus>('getCompensationStatus');

const WORKFLOW_PREFIX = 'compensation-';
/** Workflow ID of a request: its business key. */
export const compensationWorkflowId = (requestId: string) => `${WORKFLOW_PREFIX}${requestId}`;
/** The request ID a workflow ID was built from. */
export const compensationRequestId = (workflowId: string) =>
  workflowId.startsWith(WORKFLOW_PREFIX) ? workflowId.slice(WORKFLOW_PREFIX.length) : workflowId;

/** Audit stream of one request's decisions. */
export const approvalAuditStream = (workflowId: string) => `approval:${workflowId}`;
/** Audit stream shared with the disputes domain. */
export const orderAuditStream = (orderId: string) => `order:${orderId}`;
/** Audit stream of an agent's executed compensations on one UTC day (the daily budget reads it). */
export const agentBudgetStream = (agentId: string, day: string) => `agent-budget:${agentId}:${day}`;

/* The activities the workflow calls: their inputs and results (the activities' side of the contract). */

/** Input of `openCompensationCase`: who asks, for which order, on which UTC day. */
export interface OpenCaseInput {
  workflowId: string;
  orderId: string;
  agentId: string;
  currency: string;
  day: string;
  at: string;
}
/** A store credit or voucher to issue; `idempotencyKey` is workflow ID + step. */
export interface IssueRemedyInput {
  idempotencyKey: string;
  customerId: string;
  amount: Money;
  reference: string;
}
/** What the customer is told was done (the email address is looked up inside the activity). */
export interface CustomerNotice {
  customerId: string;
  orderId: string;
  refund?: Money | undefined;
  storeCredit?: Money | undefined;
  voucher?: { amount: Money; voucherId: string } | undefined;
}

/** The activities `compensationApproval` calls (implemented in `activities/approvals/`). */
export interface ApprovalActivities extends Pick<SharedActivities, 'publishEvent'> {
  /** Reads the order, earlier claims, disputes and the agent's spend today; registers the request on the order. */
  openCompensationCase(i: OpenCaseInput): Promise<{ facts: RequestFacts; paymentRef: string }>;
  /**
   * Reserves an auto-approved amount on the agent's `day`, atomically with parallel requests; refused (nothing
   * reserved) when the day's spend plus the amount would exceed `budgetMinor`. Idempotent per workflow ID.
   */
  reserveAgentBudget(i: {
    workflowId: string;
    agentId: string;
    day: string;
    currency: string;
    amountMinor: number;
    budgetMinor: number;
    at: string;
  }): Promise<{ reserved: boolean; spentMinor: number }>;
  /** Appends one decision to the request's audit stream (idempotent per sequence number). */
  recordApprovalDecision(i: { workflowId: string; orderId: string; record: DecisionRecord }): Promise<{
    appended: boolean;
  }>;
  issueCompensationStoreCredit(i: IssueRemedyInput): Promise<{ creditId: string }>;
  revokeCompensationStoreCredit(i: { idempotencyKey: string; creditId: string }): Promise<{ creditId: string }>;
  issueCompensationVoucher(i: IssueRemedyInput): Promise<{ voucherId: string }>;
  voidCompensationVoucher(i: { idempotencyKey: string; voucherId: string }): Promise<{ voucherId: string }>;
  /** Refunds to the original payment method, never more than is still refundable. */
  refundCompensation(i: { idempotencyKey: string; orderId: string; amount: Money; reference: string }): Promise<{
    refundId: string;
    status: string;
  }>;
  /**
   * The refund made for `reference` on the order's payment, looked up at the PSP when the refund's outcome is unknown
   * (its retries ran out); a refund found is recorded on the order like one just made. `refundId` absent: none was
   * made (or it failed at the PSP), so nothing moved.
   */
  findCompensationRefund(i: { idempotencyKey: string; orderId: string; reference: string }): Promise<{
    refundId?: string;
  }>;
  /** Marks the order as compensated and counts the amount against the agent's day. */
  recordCompensationExecuted(i: {
    workflowId: string;
    orderId: string;
    agentId: string;
    day: string;
    at: string;
    amount: Money;
  }): Promise<void>;
  notifyCustomerOfCompensation(i: CustomerNotice): Promise<{ messageId: string }>;
}
