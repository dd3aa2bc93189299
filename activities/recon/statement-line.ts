import type { Currency } from '../../workflows/shared/money';

/**
 * One line of an external statement, normalized (research wave3 A.4.2): a camt.053 entry / transaction detail or a
 * Stripe balance transaction, in the shape the matcher reads. Lines travel as NDJSON objects in S3, never through
 * workflow history, and `lineId` is stable across re-delivery and re-runs (R2, R3: a line is matched at most once).
 *
 * Amounts are integer minor units; `direction` carries the sign (a Stripe balance transaction with a negative
 * `amount` is a debit of the platform balance). Nothing a provider sends is dropped here: what the matcher cannot
 * classify carries a flag and becomes a break (`unclassified`), never a silent skip.
 */
export interface StatementLine {
  /** camt.053: sha256(accountId|Stmt/Id|ElctrncSeqNb|entryIndex|txIndex); Stripe: sha256(accountId|txn_…). Hex. */
  lineId: string;
  source: 'camt053' | 'stripe_bt';
  accountId: string;
  /** YYYY-MM-DD in the reconciliation account's timezone (Stripe: of `created`). */
  businessDate: string;
  direction: 'credit' | 'debit';
  /** Gross, ≥ 0 (Stripe: |amount|; a zero-amount transaction is a credit of 0). */
  amount: { amountMinor: number; currency: Currency };
  entry: {
    ntryRef?: string;
    acctSvcrRef?: string;
    bookingDate: string;
    valueDate?: string;
    /** Stripe: `available` → BOOK, `pending` → PDNG (not settled: kept out of tie-out, matched only tentatively). */
    status: 'BOOK' | 'PDNG';
    reversal: boolean;
    /** camt.053: Domn-Fmly-SubFmly or Prtry; Stripe: the balance transaction `type`. */
    bankTxCode?: string;
    entryAmountMinor: number;
    txCount: number;
    batch?: { pmtInfId?: string; msgId?: string; nbOfTxs?: number; ttlAmtMinor?: number };
  };
  refs: {
    endToEndId?: string;
    uetr?: string;
    instrId?: string;
    txId?: string;
    pmtInfId?: string;
    msgId?: string;
    stripe?: StripeLineRefs;
  };
  instructed?: { amountMinor: number; currency: Currency; rate?: string };
  returnReason?: string;
  /** What the matcher must treat specially; absent when nothing is odd. */
  flags?: LineFlag[];
}

export interface StripeLineRefs {
  balanceTransactionId: string;
  /** The object that caused it (`tr_`, `trr_`, `re_`, `dp_`, `po_`, `ch_`…); absent when Stripe sent null. */
  source?: string;
  reportingCategory: string;
  type: string;
  /** The automatic payout that paid it out, when the page was read with the `payout` filter. */
  payout?: string;
  /** Signed minor units, as Stripe sends them: `net = amount − fee`. */
  fee: number;
  net: number;
  feeDetails: Array<{ type: string; amountMinor: number; description?: string }>;
  /** Epoch seconds. */
  created: number;
  availableOn: number;
  /** Stripe's float, kept as the text it was sent as (never used in arithmetic on money). */
  exchangeRate?: string;
}

/**
 * - `unclassified`: a `reporting_category` not in Stripe's documented list (Stripe adds categories): break class
 *   `unclassified`, never dropped.
 * - `pending`: funds not yet available (`status: pending`); may still change or vanish.
 * - `no_source`: Stripe sent `source: null`; only reference-free passes can match it.
 * - `fx`: the movement was converted (`exchange_rate` present); match on the FX pass.
 */
export type LineFlag = 'unclassified' | 'pending' | 'no_source' | 'fx';
