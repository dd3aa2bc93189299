import { allHandlersFinished, condition, continueAsNew, log, patched, workflowInfo } from '@temporalio/workflow';
import { failure, FailureType } from '../shared/failures';
import type { Rail } from './contract';
import { mergeRailStatus, overduePollDelayMs, pollDelayMs, railStatusFromPoll, type RailStatus } from './policy';
import type { Payout } from './state';
import { carryOf, type ConfirmationWait, type PayoutCarry } from './carry';
import { poll, pspPoll, waitFor, type Confirmed } from './steps';
import { askRail, examineClaims, parkForOps, recordAnswer, type RailAnswer } from './steps-rail-truth';

/**
 * Whichever comes first: a webhook signal, or a status poll on an exponential backoff. Since
 * `payout-overdue-backoff`, polls past the confirmation deadline back off further; since `payout-confirmation-can`,
 * after `pollsPerExecution` polls (or when the server suggests it) the payout continues as new with its state, so a
 * bank payout that stays unconfirmed for weeks never reaches the history limit. `wait` resumes such a wait.
 */
export async function awaitConfirmation(
  p: Payout,
  rail: Rail,
  reference: string,
  initial: RailStatus,
  wait?: ConfirmationWait,
): Promise<Confirmed> {
  const since = wait?.sinceMs ?? Date.now();
  const deadline = wait?.deadlineMs ?? since + p.timing.confirmationDeadlineMs;
  let status = wait?.status ?? initial;
  let code = wait?.code;
  let overdue: boolean | undefined;
  let polls = wait?.polls ?? 0;
  let overduePolls = wait?.overduePolls ?? 0;
  // Since this patch a failure or return event is confirmed at the rail before it counts (steps-rail-truth.ts).
  const confirming = patched('rail-event-confirm');
  for (let thisExecution = 0; ; polls++, thisExecution++) {
    if (confirming) await examineClaims(p, rail, reference);
    const event = p.eventFor(reference);
    if (event && mergeRailStatus(status, event.status) !== status) {
      status = event.status;
      code = event.code;
    }
    if (status !== 'pending') {
      p.step(`confirmed:${status}`, code);
      if (status === 'failed')
        throw failure(FailureType.Declined, `payout ${p.input.payoutId} failed at the ${rail} (${code ?? 'no code'})`, {
          code: code ?? 'failed',
          rail,
        });
      return { rail, reference, status, ...(code ? { code } : {}) };
    }
    const nowOverdue = Date.now() >= deadline;
    if (nowOverdue !== overdue) {
      overdue = nowOverdue;
      p.moveTo('awaiting_confirmation', {
        awaiting: {
          actor: overdue ? 'ops' : rail,
          reason: overdue
            ? `no ${rail} confirmation by the deadline; still polling`
            : `waiting for ${rail} confirmation`,
          sinceMs: since,
          untilMs: deadline,
        },
        ...(overdue ? { errorCode: 'confirmation_overdue' } : {}),
      });
    }
    const tooLong = thisExecution >= p.timing.pollsPerExecution || workflowInfo().continueAsNewSuggested;
    if (tooLong && patched('payout-confirmation-can')) {
      await condition(allHandlersFinished);
      const carry = carryOf(p, rail, reference, { sinceMs: since, deadlineMs: deadline, status, polls, overduePolls });
      await continueAsNew(p.input, code ? { ...carry, confirmation: { ...carry.confirmation, code } } : carry);
    }
    const delay =
      overdue && patched('payout-overdue-backoff')
        ? overduePollDelayMs(overduePolls++, p.timing)
        : pollDelayMs(polls, p.timing);
    const pending = () => (p.eventFor(reference)?.status ?? 'pending') === 'pending' && !p.hasClaims;
    const woke = await waitFor(p, () => !pending(), delay, 'next status poll');
    if (woke === 'done') continue;
    const polled = confirming ? await askConfirming(p, rail, reference) : await pollRail(p, rail, reference);
    if (polled && mergeRailStatus(status, polled.status) !== status) {
      status = polled.status;
      code = polled.code;
    }
  }
}

/** A confirmation poll with the amounts: recorded as the rail's answer; a currency mismatch parks (counts as pending). */
async function askConfirming(p: Payout, rail: Rail, reference: string): Promise<RailAnswer | undefined> {
  const a = await askRail(p, rail, reference);
  recordAnswer(p, reference, a);
  if (!a?.currencyMismatch) return a;
  parkForOps(p, 'return_currency_mismatch', `a return was booked in another currency than ${p.sentCurrency}`);
  return undefined;
}

/** The confirmation wait an earlier execution handed over (continue-as-new). */
export async function resumeConfirmation(p: Payout, carry: PayoutCarry): Promise<Confirmed> {
  return awaitConfirmation(p, carry.rail, carry.railReference, carry.confirmation.status, carry.confirmation);
}

/** One status poll; a failed poll is not a failed payout (the next poll or a webhook will tell). */
export async function pollRail(
  p: Payout,
  rail: Rail,
  reference: string,
): Promise<{ status: RailStatus; code?: string } | undefined> {
  try {
    if (rail === 'psp') {
      const r = await pspPoll().pollPspPayout({ transferId: reference });
      return { status: railStatusFromPoll(r.status), ...(r.failureCode ? { code: r.failureCode } : {}) };
    }
    const r = await poll.pollBankPayout({ endToEndId: reference });
    return { status: railStatusFromPoll(r.status), ...(r.reasonCode ? { code: r.reasonCode } : {}) };
  } catch (err) {
    log.warn('status poll failed; the next poll or a webhook will tell', {
      reference,
      error: err instanceof Error ? err.message : String(err),
    });
    p.step('poll_failed');
    return undefined;
  }
}
