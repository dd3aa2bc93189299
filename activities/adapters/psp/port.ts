import type { DisputeFacts } from '../../../workflows/disputes/contract';
import type { Money } from '../../../workflows/shared/money';
import type { StatementLine } from '../../recon/statement-line';

/**
 * What the product needs from the PSP. Every mutating call carries an idempotency key derived from workflow ID +
 * step, so an activity retry (or a timed-out attempt that still ran) never moves money twice. Permanent provider
 * errors surface as non-retryable `ApplicationFailure`s (see `errors.ts`); anything else is retryable.
 */
export interface PspPort {
  /** Cheap authenticated read (`GET /v1/balance`) for health checks. */
  ping(): Promise<{ ok: true; available: Money[] }>;
  createTransfer(i: {
    idempotencyKey: string;
    amount: Money;
    destinationAccount: string;
    reference: string;
    /** The payout step (workflow ID + step) that sends it, kept in metadata so {@link findTransfer} finds it. */
    stepKey?: string;
  }): Promise<{ transferId: string; status: 'paid' | 'pending' }>;
  /**
   * The transfer a payout step already made, looked up by `transfer_group` (the payout workflow ID) and the step key
   * in its metadata; undefined when there is none. Idempotency keys expire (Stripe: 24 h), this look-up does not.
   */
  findTransfer(i: {
    transferGroup: string;
    stepKey: string;
  }): Promise<{ transferId: string; status: 'paid' | 'pending' | 'failed' | 'reversed' } | undefined>;
  /**
   * The transfer as the PSP knows it: its status, amount and what was reversed of it so far (`amount_reversed`, the
   * sum of its `reversals`), in the transfer's currency. A provider event is confirmed against this before money moves.
   */
  getTransfer(transferId: string): Promise<{
    transferId: string;
    status: 'paid' | 'pending' | 'failed' | 'reversed';
    failureCode?: string;
    amount?: Money;
    amountReversedMinor?: number;
    reversals?: Array<{ id: string; amountMinor: number }>;
  }>;
  /**
   * Reverses `amountMinor` of a transfer (Stripe transfer reversal: the money comes back from the connected account to
   * the platform), idempotent by key; `reference` goes into the reversal's metadata. Used to recover a duplicate
   * disbursement; a transfer already fully reversed is refused by the provider (`transfer_already_reversed`).
   */
  reverseTransfer(i: {
    idempotencyKey: string;
    transferId: string;
    amountMinor: number;
    reference: string;
  }): Promise<{ reversalId: string; amountMinor: number }>;
  /** `paymentRef` is a `ch_…` charge or a `pi_…` payment intent. */
  createRefund(i: {
    idempotencyKey: string;
    paymentRef: string;
    amount: Money;
    reference: string;
  }): Promise<{ refundId: string; status: 'pending' | 'succeeded' | 'failed' | 'requires_action' | 'canceled' }>;
  /**
   * The refund made on `paymentRef` for `reference` (the `reference` in its metadata); undefined when there is none.
   * For an outcome unknown (a refund whose retries ran out): idempotency keys expire (Stripe: 24 h), this does not.
   */
  findRefund(i: {
    paymentRef: string;
    reference: string;
  }): Promise<{ refundId: string; status: RefundStatus; amountMinor: number } | undefined>;
  getDispute(disputeId: string): Promise<DisputeFacts>;
  submitDisputeEvidence(i: {
    idempotencyKey: string;
    disputeId: string;
    evidence: Record<string, string>;
    submit: boolean;
  }): Promise<{ status: string; submissionCount: number }>;
  acceptDispute(i: { idempotencyKey: string; disputeId: string }): Promise<{ status: string }>;
}

export type TransferStatus = Awaited<ReturnType<PspPort['getTransfer']>>['status'];
export type RefundStatus = Awaited<ReturnType<PspPort['createRefund']>>['status'];

/**
 * What daily reconciliation reads from the PSP: the platform balance's own journal (balance transactions) and its
 * automatic payouts to the bank. Read-only and one page per call, so a caller streams a day page by page (to S3,
 * never into workflow history) without holding it in memory. A separate port from {@link PspPort}: money movers and
 * the statement reader are different roles with different credentials in a live deployment (a restricted read key).
 */
export interface PspStatementPort {
  listBalanceTransactions(i: BalanceTransactionQuery): Promise<BalanceTransactionPage>;
  getPayout(payoutId: string): Promise<PspPayout>;
  /** The platform's payouts whose `arrival_date` falls in [arrivalFrom, arrivalTo] (dates, UTC as Stripe keeps them). */
  listPayouts(i: {
    arrivalFrom: string;
    arrivalTo: string;
    startingAfter?: string;
    limit: number;
  }): Promise<{ payouts: PspPayout[]; hasMore: boolean; nextStartingAfter?: string }>;
}

export interface BalanceTransactionQuery {
  /** The reconciliation account the lines belong to (part of each `lineId`) and its timezone (each `businessDate`). */
  account: { accountId: string; timezone: string };
  /** ISO instant, inclusive; with `createdTo` (exclusive). Required unless `payout` is given. */
  createdFrom?: string;
  createdTo?: string;
  /** An automatic payout `po_…`: only what it paid out (and its own `payout` transaction). */
  payout?: string;
  /** The `nextStartingAfter` of the previous page. */
  startingAfter?: string;
  /** 1…100 (Stripe's page size limit). */
  limit: number;
}

export interface BalanceTransactionPage {
  lines: StatementLine[];
  hasMore: boolean;
  /** Pass as `startingAfter` for the next page; absent on an empty page. */
  nextStartingAfter?: string;
}

export interface PspPayout {
  payoutId: string;
  amount: Money;
  automatic: boolean;
  status: string;
  /** `completed`: its balance transactions are final and Σ net of them = amount (R8). */
  reconciliationStatus: 'not_applicable' | 'in_progress' | 'completed';
  /** YYYY-MM-DD (UTC midnight, as Stripe stamps `arrival_date`). */
  arrivalDate: string;
  createdAt: string;
  balanceTransactionId?: string;
  failureBalanceTransactionId?: string;
  failureCode?: string;
}
