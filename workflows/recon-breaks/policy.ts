import type { BreakClass } from '../recon/contract';
import type { Refusal } from '../shared/failures';
import { caseFold } from '../shared/identity';
import {
  FOUR_EYES_ABOVE_MINOR,
  mirrorAccountOf,
  type BreakFacts,
  type BreakProposal,
  type BreakRefusalCode,
  type BreakSource,
  type BreakStatus,
  type PostAdjustmentInput,
} from './contract';

/**
 * The rules of a break, pure: who it waits on, when a command is refused, how an adjustment is booked. The handlers
 * only throw what these return.
 */

/**
 * Classes whose resolution is money in the books (an amount or currency difference, a second disbursement, drift)
 * and the hints that mean the same (a late return to book back, a fee) wait on finance: only finance may adjust or
 * rebook. Everything else (missing or unexpected lines, statement problems) waits on ops, who link or mark received.
 */
const FINANCE_CLASSES: ReadonlySet<BreakClass> = new Set<BreakClass>([
  'amount_over',
  'amount_under',
  'currency_mismatch',
  'duplicate_disbursement',
  'split_mismatch',
  'balance_drift',
]);
const FINANCE_HINTS: ReadonlySet<string> = new Set(['late_return', 'fee']);

export type BreakActor = 'ops' | 'finance' | 'none';

/** Who the break waits on: nobody once resolved; finance for money classes and for a pending four-eyes proposal. */
export function awaitingActor(
  status: BreakStatus,
  facts: Pick<BreakFacts, 'class' | 'hint'>,
  proposal?: BreakProposal,
): BreakActor {
  if (status !== 'open') return 'none';
  if (proposal) return 'finance';
  return FINANCE_CLASSES.has(facts.class) || (facts.hint !== undefined && FINANCE_HINTS.has(facts.hint))
    ? 'finance'
    : 'ops';
}

/** What the rules read of a break. */
export interface BreakPolicyFacts {
  status: BreakStatus;
  busy: boolean;
  proposal?: BreakProposal;
  facts: BreakFacts;
}

type No = Refusal<BreakRefusalCode>;
const no = (code: BreakRefusalCode, message: string): No => ({ code, message });

/** One observation per source, break and business day: a re-run of a day (same day, same break) adds nothing. */
export const observationKey = (source: BreakSource, breakId: string, businessDate: string): string =>
  `${source}|${caseFold(breakId)}|${businessDate}`;

/** True when an amount needs a second finance member. */
export const needsSecondPerson = (amountMinor: number): boolean => amountMinor > FOUR_EYES_ABOVE_MINOR;

/** Any resolution (link, mark received, void): the break must be open and idle. */
export function refuseResolution(b: BreakPolicyFacts): No | undefined {
  if (b.busy) return no('busy', 'another command or check on this break is still running');
  if (b.status !== 'open') return no('not_open', `the break is ${b.status}`);
  return undefined;
}

/** A money resolution (adjust, rebook) also waits for no proposal. */
function refuseMoney(b: BreakPolicyFacts): No | undefined {
  const first = refuseResolution(b);
  if (first) return first;
  if (b.proposal)
    return no('proposal_pending', `a ${b.proposal.kind} proposed by ${b.proposal.proposedBy} waits for approval`);
  return undefined;
}

export function refuseAdjustment(b: BreakPolicyFacts, a: PostAdjustmentInput): No | undefined {
  const first = refuseMoney(b);
  if (first) return first;
  if (a.currency !== b.facts.currency)
    return no('currency_mismatch', `currency: ${a.currency} is not the break's currency ${b.facts.currency}`);
  if (a.account === mirrorAccountOf(b.facts.accountId))
    return no('invalid_input', `account: ${a.account} is the reconciliation account's own mirror`);
  return undefined;
}

/** A rebook needs a late return that names its payout and transfer (from the break's facts, never the command). */
export function refuseRebook(b: BreakPolicyFacts): No | undefined {
  const first = refuseMoney(b);
  if (first) return first;
  const { hint, refs } = b.facts;
  if (hint !== 'late_return' || !refs.endToEndId || !refs.workflowId)
    return no('not_late_return', 'the break is not a late return naming its payout workflow and EndToEndId');
  return undefined;
}

/**
 * A recovery needs a duplicate disbursement naming its payout and the duplicate transfer (from the break's facts,
 * never the command): the transfer is what a reversal asks the provider to take back, the payout whose creator an
 * offset charges.
 */
export function refuseRecovery(b: BreakPolicyFacts): No | undefined {
  const first = refuseMoney(b);
  if (first) return first;
  const { refs } = b.facts;
  if (b.facts.class !== 'duplicate_disbursement' || !refs.workflowId || !refs.railRef)
    return no('not_duplicate', 'the break is not a duplicate_disbursement naming its payout workflow and transfer');
  return undefined;
}

/** Approval: a pending proposal, approved by someone other than its proposer (case-folded). */
export function refuseApproval(b: BreakPolicyFacts, approver: string): No | undefined {
  if (b.busy) return no('busy', 'another command or check on this break is still running');
  if (b.status !== 'open') return no('not_open', `the break is ${b.status}`);
  if (!b.proposal) return no('no_proposal', 'nothing waits for approval');
  if (caseFold(b.proposal.proposedBy) === caseFold(approver))
    return no('own_proposal', `${approver} proposed this ${b.proposal.kind}: a second finance member must approve`);
  return undefined;
}

export function refuseReopen(b: BreakPolicyFacts): No | undefined {
  if (b.busy) return no('busy', 'another command or check on this break is still running');
  if (b.status === 'closed') return no('closed', 'the reopen window has passed');
  if (b.status !== 'resolved') return no('not_resolved', 'the break is still open');
  return undefined;
}

/**
 * The legs of an adjustment of `amountMinor` to `account`, against the reconciliation account's ledger mirror. The
 * break's sign says which way: below zero the rail holds less than the ledger expected (a fee, a shortfall), so the
 * adjustment account is debited and the mirror credited; above zero the other way round.
 */
export function adjustmentLegs(
  facts: Pick<BreakFacts, 'accountId' | 'amountMinor'>,
  account: string,
  amountMinor: number,
): Array<{ account: string; amountMinor: number }> {
  const mirror = mirrorAccountOf(facts.accountId);
  return facts.amountMinor < 0
    ? [
        { account, amountMinor },
        { account: mirror, amountMinor: -amountMinor },
      ]
    : [
        { account: mirror, amountMinor },
        { account, amountMinor: -amountMinor },
      ];
}
