import type { DisputeFacts } from '../../../workflows/disputes/contract';
import type { Money } from '../../../workflows/shared/money';

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
