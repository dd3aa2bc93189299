import type { Currency } from '../shared/money';
import type { Break, BreakClass } from '../recon/contract';
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
