import { FailureType, type Refusal } from '../shared/failures';
import { caseFold } from '../shared/identity';
import type { Currency, Money } from '../shared/money';
import type { PostingRefs } from '../shared/posting-facts';
import { PROVIDER_RAIL } from '../shared/provider-queue';
import { idempotencyKey } from '../shared/task-queue';
import type { ProviderId } from '../routing/contract';
import type {
  AwaitingActor,
  LedgerPosition,
  PayabilityFacts,
  PayoutOutcome,
  PayoutPostingKind,
  PayoutRefusalCode,
  PayoutStateName,
  PayoutTiming,
  Rail,
  ResolvePayoutCommand,
} from './contract';

/** Pure payout decisions: payability, FX, poll backoff, return classification, timing, ops rules. Plain jest tests. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Defaults per rail. Bank returns (ACH R-codes, camt.054 returns) arrive up to 60 days later; PSP reversals sooner. */
export const DEFAULT_TIMING: Record<Rail, Required<PayoutTiming>> = {
  bank: {
    returnWindowMs: 60 * DAY,
    pollInitialMs: 30_000,
    pollMaxMs: 30 * 60_000,
    confirmationDeadlineMs: 3 * DAY,
    parkDeadlineMs: 14 * DAY,
    reminderEveryMs: 3 * DAY,
    recheckEveryMs: 6 * HOUR,
    pollsPerExecution: 100,
  },
  psp: {
    returnWindowMs: 30 * DAY,
    pollInitialMs: 5_000,
    pollMaxMs: 10 * 60_000,
    confirmationDeadlineMs: 1 * DAY,
    parkDeadlineMs: 14 * DAY,
    reminderEveryMs: 3 * DAY,
    recheckEveryMs: 6 * HOUR,
    pollsPerExecution: 100,
  },
};

/** The rail's default timing with the caller's overrides on top. */
export function resolveTiming(rail: Rail | undefined, overrides: PayoutTiming | undefined): Required<PayoutTiming> {
  return { ...DEFAULT_TIMING[rail ?? 'psp'], ...(overrides ?? {}) };
}

/** Smallest payout worth the rail fee, per currency, in minor units. */
export const MINIMUM_PAYOUT_MINOR: Record<Currency, number> = {
  USD: 100,
  EUR: 100,
  GBP: 100,
  CAD: 100,
  AUD: 100,
  CHF: 100,
  SEK: 1000,
  NOK: 1000,
  DKK: 1000,
  PLN: 500,
  BRL: 500,
  MXN: 2000,
  INR: 10000,
  JPY: 100,
  KRW: 1000,
};

export type PayabilityCheck = 'kyc' | 'payout_method' | 'sanctions' | 'minimum_amount' | 'hold_period';

/** One failed check: who can fix it and, for a hold period, when it clears by itself. */
export interface Blocker {
  check: PayabilityCheck;
  actor: AwaitingActor;
  code: string;
  /** ISO time at which the blocker lifts without anyone acting (hold period). */
  clearsAt?: string;
}

export type Payability = { payable: true } | { payable: false; permanent: boolean; blockers: Blocker[] };

/**
 * All checks at once, so a parked payout says everything it waits on. A below-minimum amount is permanent (no one
 * can fix it by acting on this payout); everything else parks.
 */
export function checkPayability(facts: PayabilityFacts, amount: Money, nowMs: number): Payability {
  if (amount.amountMinor < MINIMUM_PAYOUT_MINOR[amount.currency]) {
    return {
      payable: false,
      permanent: true,
      blockers: [{ check: 'minimum_amount', actor: 'none', code: 'below_minimum' }],
    };
  }
  const blockers: Blocker[] = [];
  if (facts.sanctionsStatus !== 'clear')
    blockers.push({ check: 'sanctions', actor: 'compliance', code: `sanctions_${facts.sanctionsStatus}` });
  if (facts.kycStatus !== 'verified')
    blockers.push({
      check: 'kyc',
      actor: facts.kycStatus === 'rejected' ? 'compliance' : 'creator',
      code: `kyc_${facts.kycStatus}`,
    });
  if (!facts.payoutMethod) blockers.push({ check: 'payout_method', actor: 'creator', code: 'payout_method_missing' });
  if (facts.holdUntil && Date.parse(facts.holdUntil) > nowMs)
    blockers.push({ check: 'hold_period', actor: 'schedule', code: 'earnings_on_hold', clearsAt: facts.holdUntil });
  return blockers.length === 0 ? { payable: true } : { payable: false, permanent: false, blockers };
}

/** The actor shown for a parked payout: a person before the calendar, compliance before the creator. */
export function awaitingActorFor(blockers: Blocker[]): AwaitingActor {
  const order: AwaitingActor[] = ['compliance', 'creator', 'ops', 'schedule'];
  return order.find((a) => blockers.some((b) => b.actor === a)) ?? 'none';
}

/** When a parked payout next re-reads the directory: at the next periodic re-check, or earlier when a hold lifts. */
export function nextRecheckAt(blockers: Blocker[], nowMs: number, timing: Required<PayoutTiming>): number {
  const periodic = nowMs + timing.recheckEveryMs;
  const clears = blockers.flatMap((b) => (b.clearsAt ? [Date.parse(b.clearsAt)] : []));
  return Math.max(nowMs, Math.min(periodic, ...clears));
}

/** The deadline of a parked payout: the park deadline, stretched to cover a known hold period. */
export function parkDeadline(blockers: Blocker[], parkedSinceMs: number, timing: Required<PayoutTiming>): number {
  const clears = blockers.flatMap((b) => (b.clearsAt ? [Date.parse(b.clearsAt) + timing.recheckEveryMs] : []));
  return Math.max(parkedSinceMs + timing.parkDeadlineMs, ...clears);
}

/** Only people get reminders; the calendar does not read email. */
export function wantsReminder(blockers: Blocker[]): boolean {
  return blockers.some((b) => b.actor === 'creator' || b.actor === 'compliance');
}

/** FX is needed when the balance currency (what the ledger moves) differs from what the creator receives. */
export function needsFx(balance: Currency, payoutCurrency: Currency): boolean {
  return balance !== payoutCurrency;
}

/** Exponential backoff for status polls (x2 from `pollInitialMs`, capped at `pollMaxMs`). `poll` counts from 0. */
export function pollDelayMs(poll: number, timing: Pick<Required<PayoutTiming>, 'pollInitialMs' | 'pollMaxMs'>): number {
  const exp = Math.min(poll, 30);
  return Math.min(timing.pollMaxMs, timing.pollInitialMs * 2 ** exp);
}

/**
 * Past the confirmation deadline the payout keeps polling (money may have moved) but backs off further: doubling from
 * `pollMaxMs`, capped at 12 × `pollMaxMs` (bank: 6 h). `overduePoll` counts from 0.
 */
export function overduePollDelayMs(overduePoll: number, timing: Pick<Required<PayoutTiming>, 'pollMaxMs'>): number {
  return Math.min(12 * timing.pollMaxMs, timing.pollMaxMs * 2 ** Math.min(overduePoll + 1, 30));
}

/** Return/failure codes after which the creator must give new payout details before paying again. */
export const NEEDS_NEW_DETAILS_CODES = new Set([
  'R02',
  'R03',
  'R04',
  'AC01',
  'AC04',
  'AC06',
  'BE01',
  'account_closed',
  'no_account',
  'invalid_account_number',
  'account_frozen',
  'bank_account_restricted',
  'account_invalid',
  'invalid_currency',
]);

export type ReturnClass = { action: 'await_new_details'; code: string } | { action: 'end_returned'; code: string };

/** What to do after money came back: ask for new details (account gone or wrong) or end as returned. */
export function classifyReturn(code: string | undefined): ReturnClass {
  const c = code ?? 'unknown';
  return NEEDS_NEW_DETAILS_CODES.has(c)
    ? { action: 'await_new_details', code: c }
    : { action: 'end_returned', code: c };
}

/** Ordering of rail statuses: a later signal never moves a transfer backwards (out-of-order webhooks). */
const RANK = { pending: 0, paid: 1, failed: 2, returned: 2 } as const;
export type RailStatus = keyof typeof RANK;

export function mergeRailStatus(current: RailStatus | undefined, next: RailStatus): RailStatus {
  if (current === undefined) return next;
  return RANK[next] > RANK[current] ? next : current;
}

/** Poll answers of either rail, reduced to the workflow's vocabulary. */
export function railStatusFromPoll(status: string): RailStatus {
  if (status === 'paid' || status === 'settled') return 'paid';
  if (status === 'failed' || status === 'rejected') return 'failed';
  if (status === 'reversed' || status === 'returned') return 'returned';
  return 'pending';
}

/** The outcome a state means to the batch run that started the payout (states absent here are not decisive). */
const RUN_OUTCOME: Partial<Record<PayoutStateName, PayoutOutcome>> = {
  awaiting_payability: 'parked',
  paid_in_return_window: 'paid',
  completed: 'paid',
  resolved_manually: 'paid',
  failed: 'failed',
  cancelled: 'cancelled',
};
export const runOutcomeOf = (state: PayoutStateName): PayoutOutcome | undefined => RUN_OUTCOME[state];

/** Codes of a payout waiting on ops after it was sent to a rail: its run counts it as parked. */
const PARKED_CODES = new Set([
  'confirmation_overdue',
  'outcome_unknown',
  'carry_ledger_mismatch',
  'rail_event_unconfirmed',
  'return_currency_mismatch',
]);
/** Whether a payout parked after it started (on hold, or awaiting ops at the rail): its run must not wait on it. */
export const parkedAfterStart = (state: PayoutStateName, errorCode: string | undefined): boolean =>
  state === 'on_hold' || (state === 'awaiting_confirmation' && errorCode !== undefined && PARKED_CODES.has(errorCode));

/** Only a return of the whole transfer (or of an unstated amount) reverses it in full; less is a partial return. */
export const isPartialReturn = (returnedAmountMinor: number | undefined, sentAmountMinor: number): boolean =>
  returnedAmountMinor !== undefined && returnedAmountMinor < sentAmountMinor;

/** Step names: `initiate`, then `initiate-2` for a re-pay after a return (a new idempotency key). */
export const stepName = (base: string, attempt: number): string => (attempt === 1 ? base : `${base}-${attempt}`);

/**
 * The idempotency key of an attempt's initiation at a provider. Stripe keeps the Stripe-era key (`<wf>:initiate[-n]`,
 * what Stripe, its reconciliation and the destination comparison already know); every other provider gets its own
 * suffix (`<wf>:initiate[-n]:adyen`), so no key is ever sent to two providers. The bank's key is the Stripe-era one.
 */
export function initiationKey(workflowId: string, attempt: number, provider?: ProviderId): string {
  const step = stepName('initiate', attempt);
  return idempotencyKey(workflowId, provider && provider !== 'stripe' ? `${step}:${provider}` : step);
}

/** Steps whose money a rail's own books show: the transfer that left and what came back of it. */
const RAIL_BOOKED: ReadonlySet<PayoutPostingKind> = new Set(['settle', 'reverse', 'reverse_partial']);

/**
 * A payout posting's references: the workflow and attempt always; the rail and its reference only for steps the rail
 * books (a PSP transfer ID; for the bank the activity adds the attempt's EndToEndId and PmtInfId, derived from the
 * initiation key). A payout ops resolved as paid outside the system names no rail: no rail will show it.
 */
export function payoutRefs(
  p: {
    workflowId: string;
    attempt: number;
    rail?: Rail | undefined;
    railReference?: string | undefined;
    provider?: ProviderId | undefined;
  },
  kind: PayoutPostingKind,
  paidElsewhere = false,
): PostingRefs {
  const refs: PostingRefs = { workflowId: p.workflowId, attempt: p.attempt };
  if (paidElsewhere || !RAIL_BOOKED.has(kind) || !p.rail) return refs;
  return {
    ...refs,
    // Each provider's postings carry its own rail name, so its reconciliation account reads only them.
    rail: p.rail === 'psp' && p.provider ? PROVIDER_RAIL[p.provider] : p.rail,
    ...(p.rail === 'psp' && p.railReference ? { railRef: p.railReference } : {}),
  };
}

/**
 * Whether money may have moved when a payout fails: once a rail was asked, only a typed refusal by the rail (not a
 * `Conflict`) proves it did not; an untyped error (the rail never answered) may hide a transfer.
 */
export function moneyMayHaveMoved(initiated: boolean, failureType: string | undefined): boolean {
  return initiated && (failureType === undefined || failureType === FailureType.Conflict);
}

// ---------- ops command rules ----------

/** What the ops command rules read of a payout (`Payout` in `state.ts` is one). */
export interface CommandFacts {
  readonly state: PayoutStateName;
  /** A rail was asked to move money for the current attempt. */
  readonly initiated: boolean;
  readonly held: { readonly operator: string } | undefined;
  readonly ledger: LedgerPosition;
  /** What came back of a partially returned transfer, as the rail confirmed it. */
  readonly partialReturnMinor: number | undefined;
  /** A cancel or resolve was accepted and is closing the payout. */
  readonly stop: unknown;
}

/** Who sends a command, as its staff token proves (undefined only for commands recorded before tokens). */
export type Sender = { readonly subject: string } | undefined;

/** A payout refusal: one of the codes of `payoutRefusals` (contract.ts), with words for people. */
const no = (code: PayoutRefusalCode, message: string): Refusal<PayoutRefusalCode> => ({ code, message });

/** Ops may cancel only while no rail has been asked to move money. */
export function cancellable(state: string): boolean {
  return ['validating', 'awaiting_payability', 'on_hold', 'reserving'].includes(state);
}

/** A hold stops the payout before its next money step, so only states before one can be held. */
export const holdable = (state: PayoutStateName): boolean =>
  ['validating', 'awaiting_payability', 'reserving', 'awaiting_new_details'].includes(state);

/** "Retry now" wakes a wait: a payability re-check, a status poll, or a re-read of new details. */
export const wakeable = (state: PayoutStateName): boolean =>
  ['awaiting_payability', 'awaiting_confirmation', 'awaiting_new_details'].includes(state);

/** A payout is resolved by hand only from a waiting state, never mid-step. */
export const resolvable = (state: PayoutStateName): boolean =>
  ['awaiting_payability', 'on_hold', 'awaiting_confirmation', 'paid_in_return_window', 'awaiting_new_details'].includes(
    state,
  );

/** Every ops command is refused while a cancel or resolve is closing the payout (checked before the command's rule). */
export function refuseWhileClosing(p: CommandFacts): Refusal<PayoutRefusalCode> | undefined {
  return p.stop ? no('already_closing', 'the payout is already being closed') : undefined;
}

/** Cancel: only before a rail was asked to move money. */
export function refuseCancel(p: CommandFacts): Refusal<PayoutRefusalCode> | undefined {
  return cancellable(p.state) && !p.initiated
    ? undefined
    : no('already_initiated', 'the payout has already been sent to a rail; use resolvePayout');
}

/** Hold: once, and only before a money step. */
export function refuseHold(p: CommandFacts): Refusal<PayoutRefusalCode> | undefined {
  if (p.held) return no('already_on_hold', 'already on hold');
  return holdable(p.state) ? undefined : no('wrong_state', `cannot hold a payout in state ${p.state}`);
}

/** Release: of a hold, by another compliance officer than the one who held it (four eyes; IDs compared case-folded). */
export function refuseRelease(p: CommandFacts, who: Sender): Refusal<PayoutRefusalCode> | undefined {
  if (!p.held) return no('not_on_hold', 'the payout is not on hold');
  return who && who.subject === caseFold(p.held.operator)
    ? no('release_by_holder', 'a compliance hold is released by another compliance officer than the one who held it')
    : undefined;
}

/** Retry now: only a wait can be woken. */
export function refuseRetryNow(p: CommandFacts): Refusal<PayoutRefusalCode> | undefined {
  return wakeable(p.state) ? undefined : no('wrong_state', `nothing to retry in state ${p.state}`);
}

/** Resolve: from a waiting state; `partial_return` only after the rail confirmed one on a settled payout. */
export function refuseResolve(
  p: CommandFacts,
  c: Pick<ResolvePayoutCommand, 'outcome'>,
): Refusal<PayoutRefusalCode> | undefined {
  if (!resolvable(p.state))
    return no('wrong_state', `cannot resolve a payout in state ${p.state}; wait for it to settle into a waiting state`);
  return c.outcome === 'partial_return' && (p.ledger !== 'settled' || p.partialReturnMinor === undefined)
    ? no('no_partial_return', 'the rail has confirmed no partial return of this payout')
    : undefined;
}
