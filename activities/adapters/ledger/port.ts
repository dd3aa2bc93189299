import { failure, FailureType } from '../../../workflows/shared/failures';
import type { Currency } from '../../../workflows/shared/money';
import type { PostingRefs } from '../../../workflows/shared/posting-facts';

export type { PostingRefs } from '../../../workflows/shared/posting-facts';

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
  /**
   * Debit-normal accounts (a creator's receivable) whose balance must not go below zero after this posting: what is
   * owed can be netted only once, even by two payouts at the same moment.
   */
  mustStayDebit?: string[];
  /**
   * The business date (UTC, YYYY-MM-DD) the money moved per our books: the workflow's time at the step, fixed in the
   * activity input, so every retry of the posting sends it unchanged. Absent on postings stored before the day index.
   */
  effectiveDate?: string;
  /** External references (absent on postings stored before the day index). */
  refs?: PostingRefs;
}

/** A posting as written since the day index: every new posting carries its date and references. */
export type NewPosting = Posting & { effectiveDate: string; refs: PostingRefs };

/** Which day-index partition a posting lands in: its rail, or `ledger` for moves no rail books. */
export type PostingScope = 'bank' | 'psp' | 'psp-adyen' | 'ledger';
export const POSTING_SCOPES: readonly PostingScope[] = ['bank', 'psp', 'psp-adyen', 'ledger'];
export const scopeOf = (p: Pick<Posting, 'refs'>): PostingScope => p.refs?.rail ?? 'ledger';

/** Where a paged read goes on (`startKey` = the previous page's `next`); `limit` caps the items read per page. */
export interface PageOptions {
  startKey?: string;
  limit?: number;
}

/** One page of a paged read; `next` is an opaque cursor, absent on the last page. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** One line of an account statement: the account's leg of a posting and the balance after it. */
export interface StatementLine {
  postingId: string;
  effectiveDate: string;
  /** This account's leg (debits positive, as stored). */
  amountMinor: number;
  /** The account's balance after this line, in statement order (effective date, then posting ID). */
  runningBalanceMinor: number;
  description: string;
  refs?: PostingRefs;
}

export interface StatementPage extends Page<StatementLine> {
  /** The account's balance before `from` (the same on every page of one statement). */
  openingBalanceMinor: number;
}

/** Double-entry ledger: balances per account and currency, postings that always sum to zero. */
export interface LedgerPort {
  post(posting: NewPosting): Promise<{ postingId: string; alreadyPosted: boolean }>;
  balance(account: string, currency: Currency): Promise<number>;
  getPosting(postingId: string): Promise<Posting | undefined>;
  /** The postings stored under these IDs (absent ones are left out), read consistently. */
  getPostings(postingIds: string[]): Promise<Posting[]>;
  /**
   * One page (at most 1 MB read) of the postings effective on `date`, in posting-ID order within a scope; without a
   * scope, all scopes one after the other (`bank`, `psp`, `ledger`). Pass `next` back as `startKey` for the next
   * page. Postings stored before the day index are not in it.
   */
  postingsOn(date: string, opts?: PageOptions & { scope?: PostingScope }): Promise<Page<Posting>>;
  /**
   * One page of the account's lines effective in [from, to] (inclusive dates) with the running balance; the opening
   * balance is the account's balance before `from` (postings from before the day index count in it).
   */
  statement(account: string, currency: Currency, from: string, to: string, opts?: PageOptions): Promise<StatementPage>;
}
/** Account naming, one place. Balances are "normal debit": available funds of a creator are a credit (negative). */
export const Accounts = {
  creatorAvailable: (creatorId: string) => `creator:${creatorId}:available`,
  /** What a creator owes the platform (a duplicate disbursement recovered by offset): the next payout nets it. */
  creatorReceivable: (creatorId: string) => `creator:${creatorId}:receivable`,
  /** A duplicate disbursement's outflow and its reversal at the provider (a recovery by reversal: they net to 0). */
  duplicatesPaid: 'payouts:duplicates-paid',
  duplicatesReversed: 'payouts:duplicates-reversed',
  payoutsInTransit: 'payouts:in-transit',
  payoutsSettled: 'payouts:settled',
  platformCash: 'platform:cash',
  refundsIssued: 'refunds:issued',
  storeCreditLiability: 'store-credit:liability',
  disputesHeld: 'disputes:held',
  disputeLosses: 'disputes:losses',
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Whether `s` is a real calendar date written YYYY-MM-DD. */
export const isIsoDate = (s: string): boolean => {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** Throws when legs do not sum to zero or are malformed, or the date or references are malformed: a bug, never a retry. */
export function assertBalanced(posting: Posting): void {
  if (posting.effectiveDate !== undefined && !isIsoDate(posting.effectiveDate))
    throw new Error(`posting ${posting.postingId}: effectiveDate must be a date written YYYY-MM-DD`);
  if (posting.refs !== undefined && !posting.refs.workflowId)
    throw new Error(`posting ${posting.postingId}: refs.workflowId is required`);
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
