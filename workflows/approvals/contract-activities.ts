import type { SharedActivities } from '../shared/activities';
import type { Money } from '../shared/money';
import type { DecisionRecord, RequestFacts } from './contract';

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
