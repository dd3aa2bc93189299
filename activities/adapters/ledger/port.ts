import type { Currency } from '../../../workflows/shared/money';

/** One leg of a double-entry posting: positive debits the account, negative credits it. */
export interface LedgerLeg {
  account: string;
  amountMinor: number;
}

export interface Posting {
  /** Idempotency key of the posting: workflow ID + step. Posting the same ID twice posts once. */
  postingId: string;
  currency: Currency;
  description: string;
  legs: LedgerLeg[];
  /** Accounts whose balance must not go below zero after this posting (e.g. a creator's available balance). */
  mustStayNonNegative?: string[];
}

/** Double-entry ledger: balances per account and currency, postings that always sum to zero. */
export interface LedgerPort {
  post(posting: Posting): Promise<{ postingId: string; alreadyPosted: boolean }>;
  balance(account: string, currency: Currency): Promise<number>;
  getPosting(postingId: string): Promise<Posting | undefined>;
}

/** Account naming, one place. Balances are "normal debit": available funds of a creator are a credit (negative). */
export const Accounts = {
  creatorAvailable: (creatorId: string) => `creator:${creatorId}:available`,
  payoutsInTransit: 'payouts:in-transit',
  payoutsSettled: 'payouts:settled',
  platformCash: 'platform:cash',
  refundsIssued: 'refunds:issued',
  storeCreditLiability: 'store-credit:liability',
  disputesHeld: 'disputes:held',
  disputeLosses: 'disputes:losses',
} as const;

/** Throws when legs do not sum to zero or are malformed: a bug, never a retry. */
export function assertBalanced(posting: Posting): void {
  if (posting.legs.length < 2) throw new Error(`posting ${posting.postingId}: needs at least two legs`);
  const sum = posting.legs.reduce((s, l) => s + l.amountMinor, 0);
  if (sum !== 0) throw new Error(`posting ${posting.postingId}: legs sum to ${sum}, not 0`);
  for (const leg of posting.legs) {
    if (!Number.isInteger(leg.amountMinor) || leg.amountMinor === 0) {
      throw new Error(`posting ${posting.postingId}: leg ${leg.account} must be a non-zero integer`);
    }
  }
}
