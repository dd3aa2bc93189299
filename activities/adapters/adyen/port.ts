import type { Money } from '../../../workflows/shared/money';

/**
 * What a payout needs from a second PSP: send a transfer (idempotent), and find out afterwards whether it got one
 * (the fence's look-up: "did A get it?"). Refusals surface as non-retryable typed failures whose details carry the
 * evidence a failover needs (`provider`, `code`, `requestId`, `decision`); anything that may follow a commit (a 5xx, a
 * timeout, an unknown code) is a retryable `ProviderTransientError` (`ADYEN_AMBIGUOUS` and friends), never a refusal.
 */
export interface PayoutProviderPort {
  createTransfer(i: {
    /** Derived from the workflow ID, the step and the provider: never reused at another provider. */
    idempotencyKey: string;
    amount: Money;
    destination: ProviderDestination;
    /** The payout's reference at the provider (≤ 80 characters): what {@link findTransfer} looks up. */
    reference: string;
    description?: string;
  }): Promise<TransferSummary>;
  /**
   * The transfer made for `reference` since `createdSince` (ISO instant): the one that moved money if any, else the
   * latest refused one; undefined when the provider has none. Idempotency keys expire (Adyen: 7 days), this does not.
   */
  findTransfer(i: { reference: string; createdSince: string }): Promise<TransferSummary | undefined>;
  getTransfer(transferId: string): Promise<TransferSummary>;
}

/** The creator's destination at the provider: an Adyen balance account (internal transfer) or transfer instrument (bank). */
export type ProviderDestination = { kind: 'balance_account'; id: string } | { kind: 'transfer_instrument'; id: string };

export type ProviderTransferStatus = 'pending' | 'paid' | 'failed' | 'refused' | 'reversed';

export interface TransferSummary {
  transferId: string;
  status: ProviderTransferStatus;
  /** The provider's own status and reason (Adyen `status`, `reason`), for the audit trail. */
  providerStatus: string;
  reason?: string;
  amount: Money;
  reference?: string;
}
