import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Every custom search attribute of the product, in one place: the local dev server registers
 * exactly this list at start, and workflows upsert only keys defined here.
 *
 * Budget: Temporal's SQL visibility (dev server, SQLite/Postgres/MySQL) allows 10 Keyword, 3
 * KeywordList, 3 Datetime, 3 Int per namespace. IDs that are looked up but rarely grouped on
 * (run, requester, reason) are single-element KeywordLists, queried the same way: `RequesterId = 'a-1'`.
 * Approvals and disputes share one tier attribute, `AwaitingTier` (for a dispute, its escalation tier). Every key is
 * named as on the wire, so the name a list query uses is the name the server has registered.
 */
export const SA = {
  /** Who or what the workflow is waiting on right now (`finance`, `creator`, `ops`, `bank`, `psp`, `none`). */
  AwaitingActor: defineSearchAttributeKey('AwaitingActor', SearchAttributeType.KEYWORD),
  /** Since when it waits on that actor. */
  AwaitingSince: defineSearchAttributeKey('AwaitingSince', SearchAttributeType.DATETIME),
  /** When the current wait runs out (escalation, expiry, evidence due). */
  DeadlineAt: defineSearchAttributeKey('DeadlineAt', SearchAttributeType.DATETIME),
  /** Last error code seen from a provider or check; `none` when clear. */
  LastErrorCode: defineSearchAttributeKey('LastErrorCode', SearchAttributeType.KEYWORD),
  /** The amount the workflow moves or decides on, in minor units of `Currency`. */
  AmountMinor: defineSearchAttributeKey('AmountMinor', SearchAttributeType.INT),
  /**
   * How many times the activity the workflow currently depends on has failed in a row, once that count reaches the
   * configured threshold (`0` when nothing is retrying): `FailedAttempts > 0` lists all retrying work. Its error code
   * is in `LastErrorCode`; what fails, since when and the next attempt are in the current details.
   */
  FailedAttempts: defineSearchAttributeKey('FailedAttempts', SearchAttributeType.INT),
  /** ISO 4217 code of `AmountMinor`. */
  Currency: defineSearchAttributeKey('Currency', SearchAttributeType.KEYWORD),

  /** A payout's state (`validating`, `awaiting_payability`, …, `completed`, `returned`). */
  PayoutState: defineSearchAttributeKey('PayoutState', SearchAttributeType.KEYWORD),
  /** The creator a payout pays (an opaque directory ID, never account data). */
  CreatorId: defineSearchAttributeKey('CreatorId', SearchAttributeType.KEYWORD),
  /** The rail a payout goes through: `bank` or `psp`. */
  Rail: defineSearchAttributeKey('Rail', SearchAttributeType.KEYWORD),
  /** The batch run that started a payout (`payout-run-<period>`), a one-element list. */
  PayoutRunId: defineSearchAttributeKey('PayoutRunId', SearchAttributeType.KEYWORD_LIST),

  /** An approval's state (`evaluating`, `pending`, `approved`, `executed`, …). */
  ApprovalState: defineSearchAttributeKey('ApprovalState', SearchAttributeType.KEYWORD),
  /** The tier a request or dispute case waits on (approvals: who may approve; disputes: the escalation tier). */
  AwaitingTier: defineSearchAttributeKey('AwaitingTier', SearchAttributeType.KEYWORD),
  /** The agent who asked for a compensation (verified subject), a one-element list. */
  RequesterId: defineSearchAttributeKey('RequesterId', SearchAttributeType.KEYWORD_LIST),
  /** The order a compensation or a dispute is about. */
  OrderId: defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD),

  /** A dispute case's state (`opened`, `gathering_evidence`, `submitted`, `won`, `lost`, …). */
  DisputeState: defineSearchAttributeKey('DisputeState', SearchAttributeType.KEYWORD),
  /** When the PSP's evidence deadline falls. */
  DueBy: defineSearchAttributeKey('DueBy', SearchAttributeType.DATETIME),
  /** The dispute's reason at the PSP (e.g. `fraudulent`), a one-element list. */
  Reason: defineSearchAttributeKey('Reason', SearchAttributeType.KEYWORD_LIST),
} as const;

const CLI_TYPE: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export function searchAttributeCliArgs(): string[] {
  return [...new Set(Object.values(SA).map((key) => `${key.name}=${CLI_TYPE[key.type]}`))];
}
