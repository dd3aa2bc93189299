import { z } from 'zod';
import type { Currency, Money } from '../shared/money';

/**
 * The reconciliation's nouns (research wave3 A.4.2), shared by the activities that read the rails and the ledger and by
 * the pure matcher (`policy.ts`) a workflow runs: one statement line for both rails, the ledger's expectations, match
 * and break records, break classes and the versioned rule set. Everything here is plain data: lines and items travel as
 * NDJSON objects in S3, never through workflow history (only keys, counts and digests do).
 */

export type Direction = 'credit' | 'debit';

/** `BOOK` moves the balance; `PDNG`/`INFO`/`FUTR` are shown by the rail but are neither matched nor tied out. */
export type EntryStatus = 'BOOK' | 'PDNG' | 'INFO' | 'FUTR';

/**
 * One line of an external statement, normalized: a camt.053 `TxDtls` (or `Ntry` when it has none) or a Stripe balance
 * transaction. `lineId` is stable across re-delivery and re-runs (R2, R3: a line is matched at most once).
 *
 * Amounts are integer minor units, ≥ 0; `direction` carries the sign, seen from the reconciled account (a payout
 * leaving the bank account is a `debit`; its return is a `credit` carrying the same EndToEndId). Nothing a rail sends
 * is dropped: what the matcher cannot classify carries a flag and becomes a break, never a silent skip.
 */
export interface StatementLine {
  /**
   * camt.053: sha256(accountId|Stmt/Id|ElctrncSeqNb|entryIndex|txIndex); Stripe: sha256(accountId|txn_…); Adyen:
   * sha256(accountId|adyen|transaction id). Hex.
   */
  lineId: string;
  source: StatementSource;
  accountId: string;
  /** YYYY-MM-DD in the reconciliation account's timezone (camt.053: `FrToDt` end; Stripe: of `created`). */
  businessDate: string;
  direction: Direction;
  amount: { amountMinor: number; currency: Currency };
  entry: {
    /** camt.053: the `Ntry`'s index in its statement. */
    index?: number;
    ntryRef?: string;
    acctSvcrRef?: string;
    bookingDate?: string;
    valueDate?: string;
    status: EntryStatus;
    /** camt.053 `RvslInd`: the bank undid one of its bookings. A Stripe reversal is its own transaction type. */
    reversal: boolean;
    /** camt.053: `Domn-Fmly-SubFmly` or `Prtry:<code>`; Stripe: the balance transaction `type`. */
    bankTxCode?: string;
    entryAmountMinor: number;
    txCount: number;
    batch?: { pmtInfId?: string; msgId?: string; nbOfTxs?: number; ttlAmtMinor?: number };
  };
  /** camt.053: the `TxDtls` index inside its entry (0 when the entry has none). */
  txIndex?: number;
  refs: {
    /** `NOTPROVIDED` is left out: it names nothing. */
    endToEndId?: string;
    uetr?: string;
    instrId?: string;
    txId?: string;
    pmtInfId?: string;
    msgId?: string;
    acctSvcrRef?: string;
    stripe?: StripeLineRefs;
    adyen?: AdyenLineRefs;
  };
  /** `AmtDtls/InstdAmt` (+ `CcyXchg/XchgRate` as text): what was instructed before conversion. */
  instructed?: { amountMinor: number; currency: Currency; rate?: string };
  /** `RtrInf/Rsn/Cd` (or `Prtry`): a returned transfer's reason. */
  returnReason?: string;
  /** `RltdDts/IntrBkSttlmDt`: for a return, when the original transfer settled. */
  originalSettlementDate?: string;
  /** What the matcher must treat specially; absent when nothing is odd. */
  flags?: LineFlag[];
}

/** Where a line comes from: a bank's camt.053, Stripe's balance transactions, Adyen's balance account transactions. */
export type StatementSource = 'camt053' | 'stripe_bt' | 'adyen_tx';

/** An Adyen balance account transaction (Transactions API), what it moved and the transfer that caused it. */
export interface AdyenLineRefs {
  transactionId: string;
  /** The transfer it books (our payouts' transfer IDs are the ledger's `railRef`). */
  transferId?: string;
  /** The transfer's `reference` as Adyen holds it: ours name the payout workflow (`payout-…[:step]`). */
  reference?: string;
  /** The payout workflow the reference names, when it names one: how a transfer nobody expected is still traced. */
  payoutWorkflowId?: string;
  /** ISO instants as Adyen sent them. */
  bookingDate: string;
  valueDate?: string;
}

export interface StripeLineRefs {
  balanceTransactionId: string;
  /** The object that caused it (`tr_`, `trr_`, `re_`, `dp_`, `po_`, `ch_`…); absent when Stripe sent null. */
  source?: string;
  /** A transfer's `transfer_group` (read with the source expanded): ours is the payout workflow ID. */
  transferGroup?: string;
  /** The payout workflow the transfer group names: how a transfer nobody expected is still traced (as Adyen's). */
  payoutWorkflowId?: string;
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
 * - `unclassified`: a Stripe `reporting_category` or a bank transaction code the rule set does not know: when nothing
 *   matches the line by reference, its break is `unclassified` (not `unexpected_external`); never dropped.
 * - `pending`: funds not yet available (`status: pending`); may still change or vanish.
 * - `no_source`: Stripe sent `source: null`; only reference-free passes can match it.
 * - `fx`: the movement was converted (`exchange_rate` present); match on the FX pass.
 */
export type LineFlag = 'unclassified' | 'pending' | 'no_source' | 'fx';

export const EXPECTED_KINDS = [
  'payout_settle',
  'payout_reverse',
  'refund',
  'dispute',
  'topup',
  'psp_payout',
  'fee',
] as const;
export type ExpectedKind = (typeof EXPECTED_KINDS)[number];

/**
 * What the ledger expects the rail to book on the reconciled account (from the ledger's day index and the audit store,
 * never from workflow history). One per posting that moves money on a rail.
 */
export interface ExpectedItem {
  /** The ledger posting id, e.g. `payout-cr7-2026-10:settle-2`. */
  itemId: string;
  accountId: string;
  /** YYYY-MM-DD: the posting's effective date (the workflow's time at the step). */
  effectiveDate: string;
  /** The direction the rail should book on the reconciled account (a payout: `debit`; its return: `credit`). */
  direction: Direction;
  /** What the ledger moved, in the ledger's currency. */
  amount: Money;
  /** FX: what the rail should book in the account's currency (the locked conversion), when it is not `amount`. */
  expectedExternal?: Money;
  refs: {
    workflowId: string;
    rail?: string;
    /** The PSP object the posting is about (`tr_…`, `po_…`, `re_…`): a Stripe line's `source`. */
    railRef?: string;
    endToEndId?: string;
    pmtInfId?: string;
    /** The payout attempt (1-based): one attempt must settle once, whichever rail (duplicate_disbursement). */
    attempt?: number;
  };
  kind: ExpectedKind;
  /** Business days since `effectiveDate`, as of the run's business date (the loader counts; carried items age). */
  ageDays: number;
}

/** The order of the passes (A.4.3); `ruleId` of every match, suggestion and break names one. */
export const RULE_IDS = [
  'exact_reference',
  'reference_tolerance',
  'batch',
  'fx',
  'amount_date',
  'subset_sum',
  'unmatched',
  'duplicate',
  'tie_out',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface MatchRecord {
  /** sha256(accountId|ruleId|sorted lineIds|sorted itemIds), hex: the same on every re-run of the same input. */
  matchId: string;
  ruleId: RuleId;
  ruleVersion: string;
  kind: '1:1' | 'N:1' | '1:N';
  lineIds: string[];
  itemIds: string[];
  /** Σ lines − Σ expected (in the line's currency), signed by the account: + = the rail booked more credit. */
  differenceMinor: number;
  currency: Currency;
  /**
   * The posting the caller writes for a non-zero difference (posting id `recon:<matchId>`), always within the rule
   * set's cap (R7). Absent when the difference is zero.
   */
  adjustment?: { account: string; amountMinor: number };
  confidence: 'auto' | 'suggested' | 'manual' | 'forced';
  /** Open breaks from earlier days this match closes (a later statement brought the counterpart). */
  closesBreakIds?: string[];
}

export const LINE_ITEM_BREAK_CLASSES = [
  'missing_external',
  'unexpected_external',
  'amount_over',
  'amount_under',
  'currency_mismatch',
  'data_mismatch',
  'split_mismatch',
  'duplicate_external',
  'duplicate_disbursement',
  'unclassified',
] as const;
export const FILE_BREAK_CLASSES = [
  'entry_details_mismatch',
  'statement_missing',
  'statement_gap',
  'balance_continuity',
  'statement_integrity',
  'balance_drift',
] as const;
export const BREAK_CLASSES = [...LINE_ITEM_BREAK_CLASSES, ...FILE_BREAK_CLASSES] as const;
export type BreakClass = (typeof BREAK_CLASSES)[number];

export interface Break {
  /** sha256(accountId|class|sorted lineIds|sorted itemIds[|scope]), hex: a re-run never opens the same break twice. */
  breakId: string;
  class: BreakClass;
  accountId: string;
  businessDate: string;
  /**
   * Signed minor units, seen from the account: Σ signed lines − Σ signed expected items (an unexpected debit of 5.00 is
   * −500; an expected debit of 5.00 that never came is +500; duplicate_disbursement: the second settlement's line).
   */
  amountMinor: number;
  currency: Currency;
  /** The lines and items this break owns (each in exactly one break, match or expected set: R1). */
  lineIds: string[];
  itemIds: string[];
  detectedBy: { ruleId: RuleId; ruleVersion: string };
  sla: { dueAtMs: number };
  state: 'open';
  reason: string;
  /** What the break points at without owning it: the match a duplicate repeats, earlier settlements. */
  related?: { matchIds?: string[]; itemIds?: string[]; lineIds?: string[] };
  /** A candidate counterpart found without a reference: shown to ops, never posted by itself. */
  suggestion?: { ruleId: RuleId; itemIds: string[] };
  /** A finer label for ops (`late_return`, `fee`, `pending`). */
  hint?: string;
}

// ————————————————————————————————————— rule set ——————————————————————————————————————

const minor = z.number().int().nonnegative();
const days = z.number().int().min(0).max(400);
const hours = z
  .number()
  .positive()
  .max(24 * 400);

/**
 * One published rule set. Never edit a published version (match and break records name it; a re-run of a day with
 * the same version must give the same answer, R3): publish a new one and preview it with a dry run.
 */
export const reconRuleSetSchema = z
  .object({
    version: z.string().regex(/^[a-z0-9.-]{1,32}$/, { error: 'version must be short lowercase text' }),
    /** Pass 2: a difference within max(absMinor, bps of the expected amount) is a tolerance match. */
    tolerance: z.object({ absMinor: minor, bps: z.number().int().min(0).max(10_000) }),
    /** Passes 2, 5, 6: line booking date − item effective date, in days (calendar days in this version). */
    dateWindow: z.object({ daysBefore: days, daysAfter: days }),
    /** A tolerance or FX difference is auto-posted only up to this (|diff|); above, it is an amount break. */
    maxAutoPostMinor: minor,
    /** Where auto-posted differences go. */
    differenceAccounts: z.object({
      tolerance: z.string().min(1, { error: 'differenceAccounts.tolerance must name a ledger account' }),
      fx: z.string().min(1, { error: 'differenceAccounts.fx must name a ledger account' }),
    }),
    /** Pass 4: booked amount vs the locked conversion, in basis points of the expected external amount. */
    fxBps: z.number().int().min(0).max(10_000),
    /** Pass 5: bank transaction codes whose unique amount+date candidate is matched `auto`, not only suggested. */
    amountDateAutoCodes: z.array(z.string()).default([]),
    /** Pass 6: bounded subset-sum suggestions. */
    subsetSum: z.object({
      maxItems: z.number().int().min(2).max(5),
      pool: z.number().int().min(2).max(30),
      /** Lines examined per run and search nodes per line: the pass stays bounded whatever the day. */
      maxLines: z.number().int().min(0).max(10_000),
      maxNodesPerLine: z.number().int().min(1).max(1_000_000),
    }),
    /** An unmatched item stays `expected` (carried to D+1) while `ageDays ≤` this, then is `missing_external`. */
    expectedWithinDays: z.record(z.enum(EXPECTED_KINDS), days),
    /** Hours from the run until a break of the class is due (the SLA profile's first rung). */
    slaHours: z.record(z.enum(BREAK_CLASSES), hours),
  })
  .refine((r) => r.maxAutoPostMinor <= 1_000_000, {
    error: 'maxAutoPostMinor must stay small (≤ 1,000,000 minor units): larger differences need a person',
    path: ['maxAutoPostMinor'],
  });
export type ReconRuleSet = z.infer<typeof reconRuleSetSchema>;

export const RECON_RULE_VERSIONS = ['2026-12.1'] as const;
export type ReconRuleVersion = (typeof RECON_RULE_VERSIONS)[number];

/** Rule sets ever published; never edit one in place. */
export const RECON_RULES = {
  '2026-12.1': reconRuleSetSchema.parse({
    version: '2026-12.1',
    tolerance: { absMinor: 100, bps: 10 },
    dateWindow: { daysBefore: 1, daysAfter: 5 },
    maxAutoPostMinor: 500,
    differenceAccounts: { tolerance: 'bank:fees', fx: 'fx:gain-loss' },
    fxBps: 50,
    amountDateAutoCodes: [],
    subsetSum: { maxItems: 5, pool: 30, maxLines: 200, maxNodesPerLine: 20_000 },
    // SEPA settles by value date + 2 business days; Stripe the next day after data_available_end; a return may come
    // weeks later, but its item is only written when the return is known, so it is expected at once.
    expectedWithinDays: {
      payout_settle: 2,
      payout_reverse: 2,
      refund: 2,
      dispute: 2,
      topup: 2,
      psp_payout: 3,
      fee: 1,
    },
    slaHours: {
      missing_external: 24,
      unexpected_external: 24,
      amount_over: 28,
      amount_under: 28,
      currency_mismatch: 28,
      data_mismatch: 28,
      split_mismatch: 28,
      duplicate_external: 8,
      // Money is leaving twice.
      duplicate_disbursement: 2,
      unclassified: 48,
      entry_details_mismatch: 28,
      statement_missing: 4,
      statement_gap: 8,
      balance_continuity: 8,
      statement_integrity: 8,
      balance_drift: 24,
    },
  }),
} as const satisfies Record<ReconRuleVersion, ReconRuleSet>;

export function reconRulesFor(version: ReconRuleVersion): ReconRuleSet {
  return RECON_RULES[version];
}
