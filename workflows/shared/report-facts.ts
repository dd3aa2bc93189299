/**
 * The facts reports are computed from: one NDJSON object per fact, one object per file, in the reports bucket under
 * Hive-style day partitions (`facts/<kind>/day=YYYY-MM-DD/<factId>.ndjson`), so the local engine (DuckDB) and the
 * serverless one (Athena over a Glue table with partition projection on `day`) read the same files. A fact is written
 * under its ID: written again (an activity retry, a re-run), it replaces itself, so no fact counts twice.
 *
 * Only internal IDs and codes: no email, name, bank or card data, no free text (every cell of a CSV export is one of
 * these fields).
 */

/** One executed (or failed and partly undone) compensation request: what it gave, why, who asked and who approved. */
export interface CompensationFact {
  /** = the request's workflow ID: one fact per request (`outcome` says how it ended). */
  factId: string;
  /** `executed`: everything was given. `failed`: carrying out failed; what was issued and what was undone is counted. */
  outcome: 'executed' | 'failed';
  /** Workflow time when the request was booked (ISO, UTC). Report periods cut on it in the declared time zone. */
  at: string;
  /** UTC day of `at`: the partition. */
  day: string;
  requestId: string;
  orderId: string;
  customerId: string;
  reasonCode: string;
  /** The verified requester (the token's case-folded subject) and the role they acted in. */
  agentId: string;
  agentRole: string;
  /** The requester's team when their verified identity carries one (the provider's team claim); else null. */
  team: string | null;
  /** Verified approvers (`id` case-folded) with the role each acted in; empty when the policy auto-approved. */
  approvers: Array<{ id: string; role: string }>;
  /** The tier that approved, or `auto`. */
  tier: string;
  autoApproved: boolean;
  policyVersion: string;
  currency: string;
  /** What was issued, per instrument (minor units). */
  refundMinor: number;
  storeCreditMinor: number;
  voucherMinor: number;
  /** refund + store credit + voucher. */
  totalMinor: number;
  /** What was taken back after a failure (store credit revoked, voucher voided); 0 when executed. */
  undoneMinor: number;
  /** The undone part per instrument (the saga never takes a refund back). */
  undoneStoreCreditMinor: number;
  undoneVoucherMinor: number;
  /** total − undone: what the request cost (the ledger's `comp:expense:*` moves by exactly this). */
  netMinor: number;
  /** The ledger postings this fact has a twin in (`comp:<workflowId>:executed|issued|undone`). */
  postingIds: string[];
}

/** Who a payout waited on (the `AwaitingActor` vocabulary). */
export const WAIT_ACTORS = ['creator', 'ops', 'compliance', 'finance', 'bank', 'psp', 'system'] as const;

/** One payout's service level, written when it closes. */
export interface PayoutSlaFact {
  /** = the payout's workflow ID. */
  factId: string;
  outcome: 'paid' | 'failed' | 'returned' | 'cancelled';
  startedAt: string;
  /** When it closed (paid, failed, returned or cancelled); the partition is its UTC day. */
  closedAt: string;
  day: string;
  rail: string;
  /** ISO 3166 alpha-2 of the payout method. */
  country: string;
  currency: string;
  amountMinor: number;
  /** Start to paid (ms); null unless paid. */
  startToPaidMs: number | null;
  /** The service level promised for this rail and country (ms). */
  slaMs: number;
  /** Paid later than `slaMs` after start, or closed unpaid after it. */
  breached: boolean;
  /** Time spent waiting on each actor (ms), actors with no wait left out. */
  waits: Array<{ actor: string; ms: number }>;
  /** The failure code it closed with (`LastErrorCode`), or null. */
  failureCode: string | null;
  /** The bank's or PSP's return reason code (e.g. AC04), or null. */
  returnCode: string | null;
}

export type FactKind = 'compensation' | 'payout-sla';

/** Where the facts of one kind and UTC day live in the reports bucket. */
export const factPrefix = (kind: FactKind, day: string) => `facts/${kind}/day=${day}/`;

/** The object key of one fact (IDs are letters, digits and `._:-`; `:` is kept out of keys). */
export const factKey = (kind: FactKind, day: string, factId: string) =>
  `${factPrefix(kind, day)}${factId.replace(/[^A-Za-z0-9._-]/g, '_')}.ndjson`;

/** The compensation posting IDs of one request. */
export const compensationPostingId = (workflowId: string, step: 'executed' | 'issued' | 'undone') =>
  `comp:${workflowId}:${step}`;

/** The ledger account a compensation's cost is booked on, per reason code. */
export const compensationExpenseAccount = (reasonCode: string) => `comp:expense:${reasonCode}`;
/** Where each instrument's side goes: cash back through the PSP, or a liability until redeemed or expired. */
export const COMPENSATION_ACCOUNTS = {
  refund: 'refunds:issued',
  storeCredit: 'store-credit:liability',
  voucher: 'vouchers:liability',
} as const;
