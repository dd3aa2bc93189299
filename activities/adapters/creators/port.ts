import type { Currency, Money } from '../../../workflows/shared/money';

/** A creator's payout method. `accountToken` (PSP `acct_…`) and `iban` are personal data: activities only. */
export interface PayoutMethod {
  rail: 'bank' | 'psp';
  currency: Currency;
  country: string;
  /** Stripe: the connected account (`acct_…`) a PSP payout is transferred to. */
  accountToken?: string;
  /**
   * Adyen: the creator's balance account (`BA…`) an Adyen internal transfer pays (issue 25). A PSP method may hold
   * either or both: the routing table picks among the providers the creator holds a destination at.
   */
  adyenBalanceAccountId?: string;
  iban?: string;
  accountHolderName?: string;
}

/** What the creator directory knows about a creator. `email` and the method's account data never leave activities. */
export interface CreatorRecord {
  creatorId: string;
  displayName: string;
  email: string;
  kycStatus: 'verified' | 'pending' | 'required' | 'rejected';
  sanctionsStatus: 'clear' | 'pending' | 'hit';
  /** ISO time before which earnings may not be paid out. */
  holdUntil?: string;
  balanceCurrency: Currency;
  payoutMethod?: PayoutMethod;
  /** Earnings per period (`2026-11` → minor units in `balanceCurrency`). */
  earnings: Record<string, number>;
}

/** A locked FX quote: `target` is what the creator receives; the lock keeps the rate until `expiresAt`. */
export interface FxLock {
  quoteId: string;
  lockId: string;
  /** Decimal string (no floats in payloads). */
  rate: string;
  source: Money;
  target: Money;
  expiresAt: string;
}

/** The creator directory: KYC, sanctions, payout methods, earnings, FX quotes. */
export interface CreatorsPort {
  getCreator(creatorId: string): Promise<CreatorRecord | undefined>;
  /** Creators with earnings in `period`, ordered by ID, `limit` per page. */
  listEarnings(i: {
    period: string;
    cursor?: string;
    limit: number;
  }): Promise<{ items: Array<{ creatorId: string; amount: Money }>; nextCursor?: string }>;
  /** Quote and lock `source` → `targetCurrency`; the same `idempotencyKey` returns the same lock. */
  lockFxQuote(i: { idempotencyKey: string; source: Money; targetCurrency: Currency }): Promise<FxLock>;
}
