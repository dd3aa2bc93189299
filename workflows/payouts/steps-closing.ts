import { patched, type ApplicationFailure } from '@temporalio/workflow';
import { failure, failureCode, FailureType, typedFailure } from '../shared/failures';
import { TERMINAL_STATES, type CreatorPayoutResult, type ResolveAct } from './contract';
import { idempotencyKey } from '../shared/task-queue';
import { classifyReturn, moneyMayHaveMoved, stepName, type RailStatus } from './policy';
import { findAtRail } from './steps-initiate';
import { pollRail } from './steps-confirm';
import { bookPartialReturn } from './steps-rail-truth';
import type { Payout } from './state';
import { announce, emailCreator, lookup, post, reviewBy, Stopped, waitFor, type Confirmed } from './steps';

/** The steps after money came back, and every way a payout ends other than completing. */

export async function reverse(p: Payout, c: Confirmed): Promise<void> {
  await post(p, 'reverse');
  await announce(p, 'returned', 'returned', { code: c.code ?? 'unknown' });
}

/** Account closed or invalid: wait for the creator's new details (signal), with reminders and a deadline. */
export async function untilNewDetails(p: Payout, code: string | undefined): Promise<void> {
  const { input } = p;
  const verdict = classifyReturn(code);
  if (verdict.action === 'end_returned') {
    p.moveTo('returned', { errorCode: verdict.code });
    throw failure(
      FailureType.Rejected,
      `payout ${input.payoutId} was returned by the ${p.rail ?? 'rail'} (${verdict.code})`,
      { code: verdict.code },
    );
  }
  const since = Date.now();
  const deadline = since + p.timing.parkDeadlineMs;
  let nextReminder = since + p.timing.reminderEveryMs;
  await emailCreator(p, 'new_details_required');
  p.moveTo('awaiting_new_details', {
    awaiting: {
      actor: 'creator',
      reason: `new payout details needed after return ${verdict.code}`,
      sinceMs: since,
      untilMs: deadline,
    },
    errorCode: verdict.code,
  });
  for (;;) {
    const woke = await waitFor(p, () => false, Math.min(deadline, nextReminder) - Date.now(), 'new payout details');
    if (woke === 'woken') {
      if (await newDestination(p)) return;
      p.step('same_destination', 'the payout method on file pays the account that bounced; still waiting');
      continue;
    }
    if (Date.now() >= deadline) {
      p.moveTo('returned', { errorCode: 'new_details_overdue' });
      throw failure(
        FailureType.NotPayable,
        `payout ${input.payoutId}: no new payout details by the deadline after return ${verdict.code}`,
        { code: verdict.code },
      );
    }
    await emailCreator(p, 'new_details_required');
    nextReminder += p.timing.reminderEveryMs;
  }
}

/**
 * Whether the payout method on file now pays another account than the returned attempt's fixed destination. Any
 * wake-up (the creator's `updatePayoutMethod`, an unauthenticated `recheckPayability`, ops' `retryPayoutNow`) lands
 * here, and re-paying the account that bounced only bounces again (fees, and a closed account may keep the money).
 * Compared inside an activity by the attempt's initiation key: no account data enters history. Attempts from before
 * fixed destinations cannot be compared and re-pay as before. Since `payout-same-destination`.
 */
async function newDestination(p: Payout): Promise<boolean> {
  if (!patched('payout-same-destination')) return true;
  const { destination } = await lookup.comparePayoutDestination({
    creatorId: p.input.creatorId,
    idempotencyKey: idempotencyKey(p.workflowId, stepName('initiate', p.attempt)),
  });
  return destination !== 'same';
}

/**
 * An operator closed the payout by hand: book what the outcome means and close. Since `payout-resolve-books`, paid
 * elsewhere after a return books the payment again (the return had credited the creator); since
 * `payout-paid-elsewhere-booked`, also before anything was reserved, and never overdrawing the creator; abandoning a transfer a
 * rail was asked to make asks the rail first: a paid transfer is settled, a pending or unknown one keeps its
 * reservation (ops reconcile), only a refused or absent one is released.
 */
export async function resolveByHand(p: Payout, command: ResolveAct): Promise<CreatorPayoutResult> {
  if (!patched('payout-resolve-books')) {
    if (p.ledger === 'reserved') await post(p, command.outcome === 'paid_elsewhere' ? 'settle' : 'release');
  } else if (command.outcome === 'partial_return') {
    await bookPartialReturn(p);
  } else if (command.outcome === 'paid_elsewhere') {
    if (p.ledger === 'reserved') await post(p, 'settle');
    else if ((p.ledger === 'reversed' || p.ledger === 'none') && patched('payout-paid-elsewhere-booked')) {
      if (!(await bookedElsewhere(p))) return untilBookable(p, command);
    } else if (p.ledger === 'reversed') await post(p, 'settle_elsewhere');
  } else if (p.ledger === 'reserved') {
    const atRail = p.initiated ? await railSays(p) : 'none';
    p.step('resolve:rail_says', atRail);
    if (atRail === 'paid') await post(p, 'settle');
    else if (atRail === 'none' || atRail === 'failed') await post(p, 'release');
    else p.step('reservation_kept', `the ${p.rail ?? 'rail'} says ${atRail}: reconcile before releasing`);
  }
  const result = p.resolve(command);
  await announce(p, 'resolved', undefined, { outcome: command.outcome });
  return result;
}

/**
 * Books a payout paid outside the system from the creator's available balance (`settle_elsewhere`): after a return
 * credited it back, or (since `payout-paid-elsewhere-booked`) before anything was reserved. False when the balance
 * cannot cover it (the ledger refuses to overdraw it; nothing is booked).
 */
async function bookedElsewhere(p: Payout): Promise<boolean> {
  try {
    await post(p, 'settle_elsewhere');
    return true;
  } catch (err) {
    if (typedFailure(err)?.type !== FailureType.InsufficientFunds) throw err;
    return false;
  }
}

/**
 * "Paid elsewhere" that the balance cannot cover means the creator was paid more than they hold (their funds were
 * paid or reserved again meanwhile): never overdrawn silently, never retried unseen. The payout stays open in its
 * state, waiting on ops with `paid_elsewhere_unbooked`: they correct the balance and wake it (retry now) or resolve
 * again (either outcome); a cancel closes it as cancelled.
 */
async function untilBookable(p: Payout, command: ResolveAct): Promise<CreatorPayoutResult> {
  p.stopHandled();
  p.moveTo(p.state, {
    awaiting: {
      actor: 'ops',
      reason: `paid elsewhere not booked: the creator's available balance is below ${p.input.amount.amountMinor} minor units; correct it, then retry now or resolve again`,
      ...reviewBy(p),
    },
    errorCode: 'paid_elsewhere_unbooked',
  });
  try {
    await waitFor(p, () => false, undefined, 'ops: paid elsewhere not booked');
    return await resolveByHand(p, command);
  } catch (err) {
    if (!(err instanceof Stopped)) throw err;
    if (err.request.kind === 'cancel') throw await closeWithFailure(p, err);
    return resolveByHand(p, err.request.command);
  }
}

/** What the rail says about the current attempt's transfer: by its reference when known, else by its step key. */
async function railSays(p: Payout): Promise<RailStatus | 'none' | 'unknown'> {
  const rail = p.rail;
  if (!rail) return 'unknown';
  if (p.railReference) return (await pollRail(p, rail, p.railReference))?.status ?? 'unknown';
  const found = await findAtRail(p, rail, idempotencyKey(p.workflowId, stepName('initiate', p.attempt)));
  return found === undefined ? 'unknown' : found === 'none' ? 'none' : found.status;
}

/** The code a failure leaves in `LastErrorCode`: its detail code, else its type in lower case. */
function closingCode(typed: ApplicationFailure | undefined): string {
  if (!typed) return 'outcome_unknown';
  const code = failureCode(typed);
  return code === typed.type ? code.toLowerCase() : code;
}

/**
 * Every other ending: releases a reservation when no money can have moved (not yet initiated, or a typed refusal by
 * the rail), sets the terminal state, and returns the typed failure to throw.
 */
export async function closeWithFailure(p: Payout, err: unknown): Promise<ApplicationFailure> {
  const { input } = p;
  const typed = typedFailure(err);
  const cancelled = err instanceof Stopped;
  const code = cancelled ? 'cancelled' : closingCode(typed);
  if (p.ledger === 'reserved' && !moneyMayHaveMoved(p.initiated, typed?.type ?? undefined)) {
    await post(p, 'release');
    if (!cancelled) await announce(p, 'failed', 'failed', { code });
  }
  if (!TERMINAL_STATES.includes(p.state)) p.moveTo(cancelled ? 'cancelled' : 'failed', { errorCode: code });
  if (err instanceof Stopped) {
    await announce(p, 'cancelled', undefined, {});
    return failure(FailureType.Cancelled, `payout ${input.payoutId} was cancelled by an operator`, {
      reason: err.request.command.reason,
    });
  }
  if (typed) return failure(typed.type as FailureType, typed.message, { code, ...(p.rail ? { rail: p.rail } : {}) });
  // Not a typed outcome (e.g. the rail never answered within the activity's whole retry window): the money may
  // have moved, so the reservation stays for ops to reconcile.
  return failure(
    FailureType.ProviderPermanent,
    `payout ${input.payoutId}: outcome unknown at the ${p.rail ?? 'rail'}; reservation kept for reconciliation`,
    { code },
  );
}
