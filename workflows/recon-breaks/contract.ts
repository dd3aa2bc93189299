import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { SharedActivities } from '../shared/activities';
import { FailureType, refusalTable } from '../shared/failures';
import { currencySchema, type Currency } from '../shared/money';
import { BREAK_CLASSES, type Break, type BreakClass } from '../recon/contract';
import { digestId } from '../recon/ids';
import { caseFold } from '../shared/identity';

/**
 * A reconciliation break as a workflow (`reconBreak`): an entity with an owner, a deadline from its SLA profile and an
 * audit trail, so it shows in the stuck-work lists like any other work waiting on a person (`AwaitingActor`,
 * `AwaitingSince`, `DeadlineAt`, `AmountMinor`, `Currency`, `LastErrorCode` = its class; no new search attribute).
 *
 * Who opens one:
 * - the daily run (`reconDay`), one per break it found (signalWithStart: a re-run of the day signals the same workflow
 *   again and changes nothing);
 * - the webhook ingress, for a rail event whose workflow has closed (a bank return after the payout completed): the
 *   same workflow the day run opens when the return shows on the statement (`breakWorkflowId` keys a return by the
 *   transfer's EndToEndId and amount), so one return is one break whichever side sees it first.
 * Both deliver `BREAK_OBSERVED` with what they saw; the start input is whichever came first.
 */

export const RECON_BREAK_WORKFLOW = 'reconBreak';

/** Where a break's evidence came from. */
export type BreakSource = 'statement' | 'rail_event';

/**
 * What the break is about, as the day run or the ingress saw it: the matcher's break record without the bulk (line and
 * item IDs stay: they are few per break), plus the references ops need to find the money. No account data: EndToEndIds
 * and PSP object IDs are our own or the provider's references.
 */
export interface BreakFacts {
  /** The matcher's breakId (hex); for a rail event, `digestId([source, providerEventId])`. */
  breakId: string;
  class: BreakClass;
  /** The reconciliation account (`bank-main`, `psp-platform`). */
  accountId: string;
  businessDate: string;
  /** Signed minor units seen from the account (+ = the rail booked more credit than the ledger expected). */
  amountMinor: number;
  currency: Currency;
  lineIds: string[];
  itemIds: string[];
  reason: string;
  /** A finer label (`late_return`, `fee`, `pending`). */
  hint?: string;
  /** When the break is due (ms since the epoch), from the rule set's SLA profile. */
  dueAtMs: number;
  ruleVersion: string;
  /** The references that identify the money (never account data). */
  refs: {
    workflowId?: string;
    endToEndId?: string;
    railRef?: string;
    returnReason?: string;
    matchIds?: string[];
  };
  /** A candidate counterpart found without a reference (shown, never posted by itself). */
  suggestion?: { itemIds: string[] };
}

export interface ReconBreakInput {
  facts: BreakFacts;
  source: BreakSource;
  /** S3 key of the day result that found it (statement source). */
  resultsKey?: string;
  /** The break's own policy (optional; the break workflow's defaults otherwise). */
  policy?: BreakPolicy;
}

/** Signal: a source saw this break (again). Idempotent: the same observation twice is recorded once. */
export const BREAK_OBSERVED = 'breakObserved';
export interface BreakObserved {
  source: BreakSource;
  facts: BreakFacts;
  resultsKey?: string;
}

/**
 * Signal: a later day's run matched the counterpart and closes the break by itself. The break does not believe it:
 * it reads the match from the day's results (`resultsKey`) in an activity and closes only when that match names it.
 */
export const BREAK_COUNTERPART_MATCHED = 'breakCounterpartMatched';
export interface BreakCounterpartMatched {
  businessDate: string;
  matchId: string;
  /** S3 key of the day's matches (NDJSON) the match is in. */
  resultsKey: string;
}

/** The workflow ID of a break: a return by its transfer's reference and amount, anything else by its breakId. */
export function breakWorkflowId(
  f: Pick<BreakFacts, 'breakId' | 'class' | 'amountMinor' | 'currency' | 'refs' | 'hint'>,
) {
  if (f.hint === 'late_return' && f.refs.endToEndId)
    return lateReturnWorkflowId(f.refs.endToEndId, Math.abs(f.amountMinor), f.currency);
  return `recon-break-${f.breakId.slice(0, 32)}`;
}

/** A bank return's break, keyed so the ingress (camt.054) and the day run (camt.053) name the same workflow. */
export function lateReturnWorkflowId(endToEndId: string, amountMinor: number, currency: Currency) {
  return `recon-return-${digestId([caseFold(endToEndId), String(amountMinor), currency]).slice(0, 32)}`;
}

/** A break from the matcher's record, with the references the lines carried. */
export function factsOf(b: Break, refs: BreakFacts['refs']): BreakFacts {
  return {
    breakId: b.breakId,
    class: b.class,
    accountId: b.accountId,
    businessDate: b.businessDate,
    amountMinor: b.amountMinor,
    currency: b.currency,
    lineIds: b.lineIds,
    itemIds: b.itemIds,
    reason: b.reason,
    ...(b.hint ? { hint: b.hint } : {}),
    dueAtMs: b.sla.dueAtMs,
    ruleVersion: b.detectedBy.ruleVersion,
    refs: { ...refs, ...(b.related?.matchIds ? { matchIds: b.related.matchIds } : {}) },
    ...(b.suggestion ? { suggestion: { itemIds: b.suggestion.itemIds } } : {}),
  };
}

// ——————————————————————————————— the break's commands, view and activities ———————————————————————————————
// (added by the break workflow; everything above is the shared contract with the daily run and the ingress)

/** How long a resolved break stays open for `reopenBreak` before the workflow closes (default 7 days). */
export const REOPEN_WINDOW_MS = 7 * 24 * 3_600_000;
/**
 * Four-eyes threshold: a ledger adjustment or a rebook whose amount is above this (minor units, any currency: 100.00)
 * is only proposed by its sender and posts when a second, distinct finance member approves it.
 */
export const FOUR_EYES_ABOVE_MINOR = 10_000;

/** Who may work a break: payment ops and every finance rung. */
export const BREAK_OPS_ROLES = ['ops', 'finance_approver', 'finance_manager', 'finance_director'] as const;
/** Who may move money for a break (adjust, rebook, approve): finance only. */
export const BREAK_FINANCE_ROLES = ['finance_approver', 'finance_manager', 'finance_director'] as const;

/** Optional policy of one break (tests shorten the reopen window; the day run leaves it out). */
export const breakPolicySchema = z
  .object({
    reopenWindowMs: z
      .number()
      .int()
      .positive()
      .max(400 * 24 * 3_600_000)
      .optional(),
  })
  .strict();
export type BreakPolicy = z.infer<typeof breakPolicySchema>;

const shortText = (field: string, max = 2_000) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(max, { error: `${field} must be at most ${max} characters` });
const token = z.string().max(8_192).optional();
const refId = (field: string) =>
  z.string().regex(/^[A-Za-z0-9._:/-]{1,200}$/, { error: `${field} must be an ID (letters, digits, . _ : / -)` });
/** A ledger account name (`fees:bank`, `recon:unexplained`): lowercase segments joined by `:`. */
export const ledgerAccountSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,40}(:[A-Za-z0-9._-]{1,64}){0,3}$/, {
  error: 'account must be a ledger account name (segments like fees:bank)',
});

const hexId = (field: string) => z.string().regex(/^[A-Fa-f0-9]{16,128}$/, { error: `${field} must be hex` });
const isoDate = (field: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: `${field} must be YYYY-MM-DD` });
const idList = z.array(z.string().max(256)).max(100_000);

/** {@link BreakFacts} at the workflow's boundary (its input and `breakObserved`); unknown fields are kept. */
export const breakFactsSchema = z
  .object({
    breakId: hexId('breakId'),
    class: z.enum(BREAK_CLASSES),
    accountId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, { error: 'accountId must be a reconciliation account ID' }),
    businessDate: isoDate('businessDate'),
    amountMinor: z.number().int({ error: 'amountMinor must be whole minor units' }),
    currency: currencySchema,
    lineIds: idList,
    itemIds: idList,
    reason: z.string().max(10_000),
    hint: z.string().max(64).optional(),
    dueAtMs: z.number().int().nonnegative(),
    ruleVersion: z.string().max(64),
    refs: z
      .object({
        workflowId: z.string().max(255).optional(),
        endToEndId: z.string().max(64).optional(),
        railRef: z.string().max(255).optional(),
        returnReason: z.string().max(64).optional(),
        matchIds: z.array(z.string().max(128)).max(1_000).optional(),
      })
      .loose(),
    suggestion: z.object({ itemIds: idList }).optional(),
  })
  .loose();

export const reconBreakInputSchema = z
  .object({
    facts: breakFactsSchema,
    source: z.enum(['statement', 'rail_event']),
    resultsKey: z.string().min(1).max(1_024).optional(),
    policy: breakPolicySchema.optional(),
  })
  .loose();

/** The wire shapes of the two signals (validated by the break; a malformed one is ignored and logged). */
export const breakObservedSchema = z.object({
  source: z.enum(['statement', 'rail_event']),
  facts: breakFactsSchema,
  resultsKey: z.string().min(1).max(1_024).optional(),
});
export const breakCounterpartMatchedSchema = z.object({
  businessDate: isoDate('businessDate'),
  matchId: hexId('matchId'),
  resultsKey: z.string().min(1).max(1_024),
});

/** Link the break to where its money is explained (a workflow, a ledger posting, a statement line). */
export const linkBreakInput = z
  .object({
    workflowId: refId('workflowId').optional(),
    postingId: refId('postingId').optional(),
    lineId: refId('lineId').optional(),
    note: shortText('note'),
    token,
  })
  .refine((l) => l.workflowId !== undefined || l.postingId !== undefined || l.lineId !== undefined, {
    error: 'link needs one of workflowId, postingId or lineId',
    path: ['workflowId'],
  });
export type LinkBreakInput = z.infer<typeof linkBreakInput>;

/** The money arrived outside what the statement showed (the bank's or PSP's own reference, a note). */
export const markReceivedInput = z.object({ externalRef: refId('externalRef'), note: shortText('note'), token });
export type MarkReceivedInput = z.infer<typeof markReceivedInput>;

/**
 * Post the break's difference to a ledger account (posting `recon-adj:<breakId>`, against the reconciliation
 * account's ledger mirror; direction from the break's sign). Above {@link FOUR_EYES_ABOVE_MINOR} it is a proposal.
 */
export const postAdjustmentInput = z.object({
  amountMinor: z.number({ error: 'amountMinor must be a number' }).int().positive({ error: 'amountMinor must be > 0' }),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'currency must be an ISO 4217 code' }),
  account: ledgerAccountSchema,
  note: shortText('note'),
  token,
});
export type PostAdjustmentInput = z.infer<typeof postAdjustmentInput>;

/** A late bank return booked back to the creator (`recon-rebook:<breakId>`); amount and payout from the break. */
export const rebookToCreatorInput = z.object({ note: shortText('note'), token });
export type RebookToCreatorInput = z.infer<typeof rebookToCreatorInput>;

/** A second finance member approves the pending four-eyes proposal (never its proposer). */
export const approveAdjustmentInput = z.object({ note: shortText('note').optional(), token });
export type ApproveAdjustmentInput = z.infer<typeof approveAdjustmentInput>;

/** How a duplicate disbursement is recovered (issue 25): the provider takes it back, or the creator's next payout nets it. */
export const RECOVERY_MODES = ['reverse', 'offset'] as const;
export type RecoveryMode = (typeof RECOVERY_MODES)[number];

/**
 * Recover a duplicate disbursement (a late success at provider A after B paid; one attempt settled twice): `reverse`
 * asks the provider that paid the duplicate to take it back (a Stripe transfer reversal), confirmed at the rail, then
 * posts `recon-recover:<breakId>`; `offset` posts a receivable against the creator (`creator:<id>:receivable`) that
 * the creator's next payout nets. Amount, payout and transfer come from the break's facts, never from the command.
 */
export const recoverDuplicateInput = z.object({
  mode: z.enum(RECOVERY_MODES, { error: `mode must be one of ${RECOVERY_MODES.join(', ')}` }),
  note: shortText('note'),
  token,
});
export type RecoverDuplicateInput = z.infer<typeof recoverDuplicateInput>;

export const voidBreakInput = z.object({ reason: shortText('reason'), token });
export type VoidBreakInput = z.infer<typeof voidBreakInput>;
export const reopenBreakInput = z.object({ reason: shortText('reason'), token });
export type ReopenBreakInput = z.infer<typeof reopenBreakInput>;

/**
 * Every code a break command is refused with (`details.code`; type from this table), plus the staff check's
 * `Unauthorized` codes (`staffRefusals`). Validators refuse before anything reaches history; the rail and payout
 * checks run in the handler (an activity) and refuse from there.
 */
export const breakRefusals = refusalTable({
  invalid_input: { type: FailureType.InvalidInput, summary: 'the command is malformed (each bad field is named)' },
  not_open: { type: FailureType.Conflict, summary: 'the break is already resolved: reopen it first' },
  not_resolved: { type: FailureType.Conflict, summary: 'only a resolved break can be reopened' },
  closed: { type: FailureType.Conflict, summary: 'the reopen window has passed: the break is closing' },
  busy: { type: FailureType.Conflict, summary: 'another command or check on this break is still running: retry' },
  proposal_pending: {
    type: FailureType.Conflict,
    summary: 'a four-eyes proposal waits for approval: approve it or void the break first',
  },
  no_proposal: { type: FailureType.Conflict, summary: 'there is no proposal to approve' },
  own_proposal: {
    type: FailureType.PolicyViolation,
    summary: 'four-eyes: the proposer cannot approve their own proposal',
  },
  currency_mismatch: { type: FailureType.InvalidInput, summary: "the adjustment's currency is not the break's" },
  not_late_return: {
    type: FailureType.Conflict,
    summary: 'rebook is only for a late return that names its payout and EndToEndId',
  },
  return_not_at_rail: {
    type: FailureType.Conflict,
    summary: 'the bank does not list a return of this amount and currency for the transfer: nothing was booked',
  },
  rail_unavailable: { type: FailureType.Conflict, summary: 'the bank could not be asked: nothing was booked, retry' },
  payout_unknown: {
    type: FailureType.Conflict,
    summary: "the payout's ledger postings for this transfer were not found: nothing was booked",
  },
  already_reversed: {
    type: FailureType.Conflict,
    summary: 'the payout already booked this return back to the creator: nothing was booked again',
  },
  not_duplicate: {
    type: FailureType.Conflict,
    summary: 'recovery is only for a duplicate_disbursement that names its payout and the duplicate transfer',
  },
  reversal_unsupported: {
    type: FailureType.PolicyViolation,
    summary: 'the provider that paid the duplicate has no reversal the product can ask for: recover by offset',
  },
  provider_unavailable: {
    type: FailureType.Conflict,
    summary: 'the provider could not be asked: nothing was booked, retry',
  },
  transfer_mismatch: {
    type: FailureType.Conflict,
    summary: "the provider's transfer is not the break's amount and currency (or is already reversed): nothing moved",
  },
  already_recovered: {
    type: FailureType.Conflict,
    summary:
      'the duplicate was already recovered by offset (recon-recover:<breakId>): nothing was asked of the provider',
  },
  reversal_not_confirmed: {
    type: FailureType.Conflict,
    summary:
      'the reversal was asked for but the provider does not show it yet: outcome unknown, nothing was booked; retry to look again',
  },
});
export type BreakRefusalCode = keyof typeof breakRefusals;

export type BreakStatus = 'open' | 'resolved' | 'closed';
export type ResolutionKind = 'matched' | 'linked' | 'received' | 'adjusted' | 'rebooked' | 'recovered' | 'voided';

/** How the break was resolved. `by` is the assertion's subject (`system` for a proven later match). */
export interface BreakResolution {
  kind: ResolutionKind;
  by: string;
  at: string;
  note?: string;
  /** The second person of a four-eyes resolution. */
  approvedBy?: string;
  link?: { workflowId?: string; postingId?: string; lineId?: string };
  externalRef?: string;
  matchId?: string;
  postingId?: string;
  /** A recovered duplicate: how, and the provider's reversal (reverse) or the creator charged (offset). */
  recovery?: { mode: RecoveryMode; provider: string; reversalId?: string; creatorId?: string };
}

/** A money resolution above the four-eyes threshold, waiting for a second finance member. */
export interface BreakProposal {
  kind: 'adjust' | 'rebook' | 'recover';
  /** A recovery's mode (`kind: 'recover'`). */
  mode?: RecoveryMode;
  proposedBy: string;
  at: string;
  amountMinor: number;
  currency: Currency;
  account?: string;
  note: string;
}

export interface BreakObservation {
  source: BreakSource;
  breakId: string;
  businessDate: string;
  resultsKey?: string;
  at: string;
}

/** One entry of the break's audit trail (also appended to the audit stream `recon-break:<workflowId>`). */
export interface BreakTrailEntry {
  at: string;
  type: string;
  by: string;
  data: Record<string, unknown>;
}

/** What `getState` returns. */
export interface ReconBreakView {
  workflowId: string;
  status: BreakStatus;
  facts: BreakFacts;
  amount: { amountMinor: number; currency: Currency };
  awaiting: { actor: 'ops' | 'finance' | 'none'; since: string; what: string };
  deadlineAt?: string;
  observations: BreakObservation[];
  resolution?: BreakResolution;
  proposal?: BreakProposal;
  /** When a resolved break closes for good (reopen possible until then). */
  closesAt?: string;
  reopens: number;
  trail: BreakTrailEntry[];
}

/** What the workflow returns when it closes. */
export interface ReconBreakResult {
  breakId: string;
  class: BreakClass;
  resolution?: BreakResolution;
  reopens: number;
}

export const linkBreakUpdate = defineUpdate<ReconBreakView, [LinkBreakInput]>('linkBreak');
export const markReceivedUpdate = defineUpdate<ReconBreakView, [MarkReceivedInput]>('markBreakReceived');
export const postAdjustmentUpdate = defineUpdate<ReconBreakView, [PostAdjustmentInput]>('postBreakAdjustment');
export const approveAdjustmentUpdate = defineUpdate<ReconBreakView, [ApproveAdjustmentInput]>('approveBreakAdjustment');
export const rebookToCreatorUpdate = defineUpdate<ReconBreakView, [RebookToCreatorInput]>('rebookToCreator');
export const recoverDuplicateUpdate = defineUpdate<ReconBreakView, [RecoverDuplicateInput]>('recoverDuplicate');
export const voidBreakUpdate = defineUpdate<ReconBreakView, [VoidBreakInput]>('voidBreak');
export const reopenBreakUpdate = defineUpdate<ReconBreakView, [ReopenBreakInput]>('reopenBreak');
export const breakObservedSignal = defineSignal<[BreakObserved]>(BREAK_OBSERVED);
export const breakCounterpartMatchedSignal = defineSignal<[BreakCounterpartMatched]>(BREAK_COUNTERPART_MATCHED);
export const getBreakStateQuery = defineQuery<ReconBreakView>('getState');

/** The workflow's signature for typed handles; clients never import the workflow. */
export type ReconBreakWorkflow = (input: ReconBreakInput) => Promise<ReconBreakResult>;

/** Audit stream of one break's commands and checks. */
export const breakAuditStream = (workflowId: string) => `recon-break:${workflowId}`;
/** Ledger posting IDs of a break's money resolutions (one each: a retry or a second approval posts once). */
export const adjustmentPostingId = (breakId: string) => `recon-adj:${breakId}`;
export const rebookPostingId = (breakId: string) => `recon-rebook:${breakId}`;
/**
 * Audit stream of what a creator owes the platform (`creator.receivable_opened`, one per recovery by offset): what the
 * creator's next payout reads to net it.
 */
export const creatorReceivablesStream = (creatorId: string) => `creator-receivables:${caseFold(creatorId)}`;
/** A recovered duplicate's one posting (either mode: after a reopen the other mode is refused by the ledger). */
export const recoveryPostingId = (breakId: string) => `recon-recover:${breakId}`;

/**
 * The ledger account that mirrors each reconciliation account (the side of the book the rail's statement shows):
 * a bank or PSP payout account's money leaves through `payouts:settled`. An unknown account mirrors there too.
 */
export const RECON_MIRROR_ACCOUNTS: Readonly<Record<string, string>> = {
  'bank-main': 'payouts:settled',
  'psp-platform': 'payouts:settled',
  'psp-adyen': 'payouts:settled',
};
export const mirrorAccountOf = (accountId: string): string => RECON_MIRROR_ACCOUNTS[accountId] ?? 'payouts:settled';

/** A posting a break writes (legs computed in the workflow, fixed in history). */
export interface BreakPosting {
  postingId: string;
  currency: Currency;
  description: string;
  legs: Array<{ account: string; amountMinor: number }>;
  effectiveDate: string;
  refs: { workflowId: string };
}

/** The activities a break calls (`activities/recon-breaks/`), plus the shared `appendAudit`. */
export interface ReconBreakActivities extends Pick<SharedActivities, 'appendAudit'> {
  /**
   * Reads the day's matches (NDJSON at `resultsKey` in the reports bucket) and says whether match `matchId` exists
   * and names one of `breakIds` (every breakId this break was observed under) in its `closesBreakIds` (compared
   * case-folded).
   */
  verifyBreakCounterpart(i: {
    resultsKey: string;
    matchId: string;
    breakIds: string[];
  }): Promise<{ proven: boolean; why: 'proven' | 'no_results' | 'no_match' | 'not_named' }>;
  /** Posts a break's ledger adjustment (idempotent by posting ID). */
  postBreakPosting(i: BreakPosting): Promise<{ postingId: string; alreadyPosted: boolean }>;
  /** Asks the bank for the transfer's returns: `listed` when one of exactly this amount and currency is booked. */
  confirmReturnAtRail(i: {
    endToEndId: string;
    amountMinor: number;
    currency: Currency;
  }): Promise<{ listed: boolean; unknownTransfer: boolean }>;
  /**
   * Books a late return back to the creator: reads the payout's own postings for this EndToEndId (the creator comes
   * from them, never from a command), refuses when the payout already reversed it, then posts
   * `recon-rebook:<breakId>` (debit payouts:settled, credit creator:<id>:available).
   */
  rebookLateReturn(i: {
    breakWorkflowId: string;
    breakId: string;
    payoutWorkflowId: string;
    endToEndId: string;
    amountMinor: number;
    currency: Currency;
    effectiveDate: string;
  }): Promise<
    | { outcome: 'posted'; postingId: string; creatorId: string; alreadyPosted: boolean }
    | { outcome: 'payout_unknown' | 'already_reversed' }
  >;
  /**
   * Which provider paid through a reconciliation account (from the recon accounts' configuration) and whether the
   * product can ask it to reverse a transfer: Stripe yes (transfer reversals); Adyen and the bank no.
   */
  recoveryRailOf(i: { accountId: string }): Promise<{ provider: string; reversible: boolean }>;
  /**
   * Reverses the duplicate transfer at its provider under the key `recon-recover:<breakId>`, then reads the transfer
   * back: `reversed` only once the provider shows the reversal. `already_recovered` (nothing asked) when the break's
   * recovery posting is already an offset: the creator owes it already, taking it back too would recover it twice. `transfer_mismatch` (nothing asked) when the transfer
   * is not of the break's currency, or has less left than the break's amount.
   */
  reverseDuplicateAtRail(i: {
    breakId: string;
    accountId: string;
    transferId: string;
    amountMinor: number;
    currency: Currency;
  }): Promise<
    | { outcome: 'reversed'; reversalId: string; provider: string }
    | { outcome: 'transfer_mismatch' | 'not_confirmed' | 'unsupported' | 'already_recovered'; provider: string }
  >;
  /**
   * Posts a recovery, once (`recon-recover:<breakId>`). `reverse`: the duplicate's outflow and its reversal (net
   * nothing for the platform and the creator). `offset`: the creator (read from the payout's own postings, never from a
   * command) owes the duplicate back: `creator:<id>:receivable` against `payouts:settled`, with an audit record on
   * `creator-receivables:<creatorId>` for the next payout to net.
   */
  postRecovery(i: {
    mode: RecoveryMode;
    breakWorkflowId: string;
    breakId: string;
    payoutWorkflowId: string;
    provider: string;
    transferId: string;
    reversalId?: string;
    amountMinor: number;
    currency: Currency;
    effectiveDate: string;
  }): Promise<
    { outcome: 'posted'; postingId: string; creatorId?: string; alreadyPosted: boolean } | { outcome: 'payout_unknown' }
  >;
}
