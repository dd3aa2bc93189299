import { failure, FailureType } from '../../../workflows/shared/failures';
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
  /** The postings stored under these IDs (absent ones are left out), read consistently. */
  getPostings(postingIds: string[]): Promise<Posting[]>;
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

/**
 * Whether a posting re-sent under a stored posting's ID moves the same money (currency and legs, in any order). The
 * description and the guards may differ between code versions (a guard added later) without it being another posting.
 */
export function sameMoney(a: Posting, b: Posting): boolean {
  const legs = (p: Posting) =>
    p.legs
      .map((l) => `${l.account}|${l.amountMinor}`)
      .sort()
      .join(',');
  return a.currency === b.currency && legs(a) === legs(b);
}

/** The error code of a posting ID reused for other money (a bug or a collision; never retried, never dropped). */
export const POSTING_CONFLICT = 'posting_conflict';

/**
 * The loud failure for a posting whose ID is already stored with other money: non-retryable (retrying cannot help)
 * and typed `Conflict` with code `posting_conflict`, so the caller parks visibly instead of counting it as posted.
 * The message names the posting ID only (no amounts or accounts beyond what the ID says).
 */
export const postingConflict = (postingId: string) =>
  failure(FailureType.Conflict, `posting ${postingId}: already stored with other money; not posted`, {
    code: POSTING_CONFLICT,
    postingId,
  });
