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
  AmountMinor: defineSearchAttributeKey('AmountMinor', SearchAttributeType.INT),
  /**
   * How many times the activity the workflow currently depends on has failed in a row, once that count reaches the
   * configured threshold (`0` when nothing is retrying): `FailedAttempts > 0` lists all retrying work. Its error code
   * is in `LastErrorCode`; what fails, since when and the next attempt are in the current details.
   */
  FailedAttempts: defineSearchAttributeKey('FailedAttempts', SearchAttributeType.INT),
  Currency: defineSearchAttributeKey('Currency', SearchAttributeType.KEYWORD),

  PayoutState: defineSearchAttributeKey('PayoutState', SearchAttributeType.KEYWORD),
  CreatorId: defineSearchAttributeKey('CreatorId', SearchAttributeType.KEYWORD),
  Rail: defineSearchAttributeKey('Rail', SearchAttributeType.KEYWORD),
  PayoutRunId: defineSearchAttributeKey('PayoutRunId', SearchAttributeType.KEYWORD_LIST),

  ApprovalState: defineSearchAttributeKey('ApprovalState', SearchAttributeType.KEYWORD),
  AwaitingTier: defineSearchAttributeKey('AwaitingTier', SearchAttributeType.KEYWORD),
  RequesterId: defineSearchAttributeKey('RequesterId', SearchAttributeType.KEYWORD_LIST),
  OrderId: defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD),

  DisputeState: defineSearchAttributeKey('DisputeState', SearchAttributeType.KEYWORD),
  DueBy: defineSearchAttributeKey('DueBy', SearchAttributeType.DATETIME),
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
