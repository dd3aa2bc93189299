import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { amountMinorSchema, currencySchema, moneySchema, type Currency } from '../shared/money';
import {
  CURRENT_POLICY_VERSION,
  POLICY_VERSIONS,
  type DecisionRejectCode,
  type Flag,
  type PolicyVersion,
  type Remedies,
  type RequestFacts,
  type Route,
} from './approval-policy';
import { roleSchema, type Role } from './roles';

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

/** Input of {@link compensationApproval}: one customer-service request for one order. */
export const compensationRequestSchema = z.object({
  /** The business key; the workflow ID is derived from it, so a repeated start is the same request. */
  requestId: internalId('requestId'),
  orderId: internalId('orderId'),
  customerId: internalId('customerId'),
  requester: z.object({ agentId: internalId('agentId'), role: roleSchema }),
  reasonCode: z.enum(REASON_CODES),
  currency: currencySchema,
  remedies: remediesSchema,
  /** Filled in by the client at start, so a running workflow keeps its policy when a new one is published. */
  policyVersion: z.enum(POLICY_VERSIONS).default(CURRENT_POLICY_VERSION),
});
export type CompensationRequest = z.infer<typeof compensationRequestSchema>;
export type CompensationRequestInput = z.input<typeof compensationRequestSchema>;

/** A finance decision (approve or reject), the same for the signal and the update. */
export const financeDecisionSchema = z.object({
  approverId: internalId('approverId'),
  role: roleSchema,
  reason: decisionReason,
  /** The total the approver saw; a decision for an amount the request no longer has is refused. */
  amount: moneySchema,
});
export type FinanceDecisionInput = z.infer<typeof financeDecisionSchema>;

/** The requester changes what to give while the request waits; earlier approvals no longer count. */
export const amendCompensationSchema = z.object({
  agentId: internalId('agentId'),
  remedies: remediesSchema,
  reason: decisionReason,
});
export type AmendCompensationInput = z.infer<typeof amendCompensationSchema>;

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
export type ApprovalStatus = z.infer<typeof approvalStatusSchema>;

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
    | 'cancel';
  via: 'signal' | 'update' | 'policy' | 'timer';
  reason: string;
  amountMinor: number;
  currency: Currency;
  policyVersion: PolicyVersion;
  /** False for decisions refused by the rules; they are recorded and change nothing. */
  accepted: boolean;
  refusal?: DecisionRejectCode | 'invalid_input';
}

/** What {@link getCompensationStatusQuery} returns. */
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
  execution: { storeCreditId?: string; voucherId?: string; refundId?: string; undone?: string[] };
  failure: string | undefined;
}

/** What the decision update returns: whether it counted and where the request stands now. */
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
  execution: CompensationStatus['execution'];
}

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
/** Where the request stands, including every decision and refusal. */
export const getCompensationStatusQuery = defineQuery<CompensationStatus>('getCompensationStatus');

/** Workflow ID of a request: its business key. */
export const compensationWorkflowId = (requestId: string) => `compensation-${requestId}`;

/** Audit stream of one request's decisions. */
export const approvalAuditStream = (workflowId: string) => `approval:${workflowId}`;
/** Audit stream shared with the disputes domain. */
export const orderAuditStream = (orderId: string) => `order:${orderId}`;
