import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
  type ApplicationFailure,
} from '@temporalio/workflow';
import { activityProxies } from '../shared/activities';
import { failure, failureCode, FailureType, typedFailure } from '../shared/failures';
import type { Money } from '../shared/money';
import { effectiveDateOf } from '../shared/posting-facts';
import { SA } from '../shared/search-attributes';
import { idempotencyKey } from '../shared/task-queue';
import {
  TERMINAL_STATES,
  type CreatorPayoutResult,
  type PayoutActivities,
  type PayoutEmailTemplate,
  type PayoutPostingKind,
  type PayoutProfile,
  type Rail,
  type ResolveAct,
} from './contract';
import { carryOf, ledgerFromPostings, payoutPostingIds, type ConfirmationWait, type PayoutCarry } from './carry';
import {
  awaitingActorFor,
  checkPayability,
  classifyReturn,
  isPartialReturn,
  mergeRailStatus,
  initiationKey,
  moneyMayHaveMoved,
  needsFx,
  nextRecheckAt,
  overduePollDelayMs,
  parkDeadline,
  payoutRefs,
  pollDelayMs,
  stepName,
  wantsReminder,
  type RailStatus,
} from './policy';
import {
  askRail,
  examineClaims,
  findAtRail,
  fixDestination,
  initiate,
  pollRail,
  recordAnswer,
  type RailAnswer,
  type Sent,
} from './rail';
import { payRouted, routes } from './routed';
import type { Payout, StopRequest } from './state';

/**
 * The story's phases, in the order a payout lives them: payable and released, reserved, paid (initiated once at the
 * rail, then confirmed), settled, watched through the return window; then every way it closes other than completing,
 * and the checks a continued-as-new execution makes before it trusts its carry. Whatever talks to a rail is in
 * `rail.ts`; what changes the payout is a method of `Payout` (`state.ts`).
 */

/** The phases' activity proxies (the rail's own are in `rail.ts`); proxies are lazy, declaring them issues nothing. */
export const { lookup, books, mustBook, notify } = activityProxies<PayoutActivities>();

/** A transfer the rail has decided on (paid, or returned later). */
export interface Confirmed {
  rail: Rail;
  reference: string;
  status: RailStatus;
  code?: string;
}

/** An operator closed the payout while it waited; handled by the story's outer catch. */
export class Stopped extends Error {
  constructor(readonly request: StopRequest) {
    super(`stopped by ${request.kind}`);
  }
}

/** Waits up to `ms` (or forever) for `done`, a wake-up or a stop; a stop throws {@link Stopped}. */
export async function waitFor(
  p: Payout,
  done: () => boolean,
  ms: number | undefined,
  summary: string,
): Promise<'done' | 'woken' | 'timeout'> {
  const wakes = p.wakes;
  const fired = () => done() || p.wakes !== wakes || p.stop !== undefined;
  let ok = true;
  if (ms === undefined) await condition(fired);
  else ok = await condition(fired, Math.max(1, ms), { summary });
  if (p.stop) throw new Stopped(p.stop);
  if (!ok) return 'timeout';
  return done() ? 'done' : 'woken';
}

/**
 * One ledger posting of the current attempt; the posting ID is workflow ID + step, so a retry posts once. Retried
 * through a ledger outage of any length (`mustBook`): a paid transfer must end up booked, never failed unbooked.
 */
export async function post(
  p: Payout,
  kind: PayoutPostingKind,
  part?: Money,
  opts: { paidElsewhere?: boolean } = {},
): Promise<void> {
  const { creatorId, payoutId } = p.input;
  const amount = part ?? p.payAmount;
  const postingId = idempotencyKey(p.workflowId, stepName(kind, p.attempt));
  // Dated and referenced here, once, so the input in history fixes them for every retry and re-scheduling. Activity
  // inputs are not compared on replay (only the activity's type and ID are), so this needs no patch.
  const facts = { effectiveDate: effectiveDateOf(Date.now()), refs: payoutRefs(p, kind, opts.paidElsewhere) };
  await mustBook.postPayoutLedger({ kind, postingId, creatorId, amount, payoutId, ...facts });
  p.booked(kind);
}

/** A creator email; a failed email never blocks money. */
export async function emailCreator(p: Payout, template: PayoutEmailTemplate): Promise<void> {
  const { creatorId, payoutId, amount } = p.input;
  const { netted } = p;
  try {
    // Activity inputs are not compared on replay: the netted part needs no patch.
    await notify.emailCreator({ creatorId, payoutId, template, amount, ...(netted ? { netted } : {}) });
  } catch (err) {
    log.warn('creator email failed; the payout goes on', {
      template,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Email (optional) plus a domain event; neither may block money. */
export async function announce(
  p: Payout,
  kind: string,
  template: 'paid' | 'failed' | 'returned' | 'netted' | undefined,
  data: Record<string, unknown>,
): Promise<void> {
  const { input, attempt, rail } = p;
  const publish = async () => {
    try {
      await notify.publishEvent({
        type: `payout.${kind}`,
        dedupeKey: `${p.workflowId}:${kind}-${attempt}`,
        data: {
          payoutId: input.payoutId,
          creatorId: input.creatorId,
          period: input.period,
          amount: input.amount,
          attempt,
          ...(rail ? { rail } : {}),
          ...(input.runId ? { runId: input.runId } : {}),
          ...data,
        },
      });
    } catch (err) {
      log.warn('payout event failed to publish', { kind, error: err instanceof Error ? err.message : String(err) });
    }
  };
  // The email and the event are independent: sent together, one round trip (see Payout.fewerCommands).
  if (p.fewerCommands) {
    await Promise.all([template ? emailCreator(p, template) : undefined, publish()]);
    return;
  }
  if (template) await emailCreator(p, template);
  await publish();
}

// ---------- payable, released, reserved ----------

/** Re-reads the directory until every payability check passes; parks (visibly, with reminders and a deadline) meanwhile. */
export async function untilPayable(p: Payout): Promise<PayoutProfile> {
  const { input } = p;
  let parkedSince: number | undefined;
  let nextReminder = 0;
  for (;;) {
    const profile = await lookup.getPayoutProfile({ creatorId: input.creatorId });
    p.notices.readAtServer(profile.pausedProviders);
    if (profile.balanceCurrency !== input.amount.currency) {
      throw failure(
        FailureType.InvalidInput,
        `invalid creator payout input: amount.currency: ${input.amount.currency} does not match the creator's balance currency ${profile.balanceCurrency}`,
        { code: 'currency_mismatch' },
      );
    }
    p.useTimingOf(profile.payoutMethod?.rail);
    const verdict = checkPayability(profile, input.amount, Date.now());
    if (verdict.payable) return profile;
    const codes = verdict.blockers.map((b) => b.code).join(',');
    if (verdict.permanent)
      throw failure(FailureType.NotPayable, `payout ${input.payoutId} is not payable: ${codes}`, { code: codes });
    const now = Date.now();
    const remind = wantsReminder(verdict.blockers);
    if (parkedSince === undefined) {
      parkedSince = now;
      nextReminder = now + p.timing.reminderEveryMs;
      if (remind) await emailCreator(p, 'action_required');
    }
    const deadline = parkDeadline(verdict.blockers, parkedSince, p.timing);
    p.moveTo('awaiting_payability', {
      awaiting: { actor: awaitingActorFor(verdict.blockers), reason: codes, sinceMs: parkedSince, untilMs: deadline },
      errorCode: verdict.blockers[0]?.code ?? null,
    });
    if (now >= deadline)
      throw failure(FailureType.NotPayable, `payout ${input.payoutId} still not payable at its deadline: ${codes}`, {
        code: codes,
      });
    const wakeAt = Math.min(nextRecheckAt(verdict.blockers, now, p.timing), deadline, remind ? nextReminder : Infinity);
    await waitFor(p, () => false, wakeAt - now, 'payability re-check');
    if (remind && Date.now() >= nextReminder) {
      await emailCreator(p, 'action_required');
      nextReminder += p.timing.reminderEveryMs;
    }
  }
}

/** A compliance hold stops the payout before its next money step until an operator releases it. */
export async function untilReleased(p: Payout): Promise<void> {
  const held = p.held;
  if (!held) return;
  p.moveTo('on_hold', {
    awaiting: {
      actor: 'compliance',
      reason: `compliance hold: ${held.reason}`,
      sinceMs: Date.parse(held.since),
      ...p.reviewBy(Date.parse(held.since)),
    },
  });
  await waitFor(p, () => p.held === undefined, undefined, 'compliance hold');
  p.step('hold_released');
}

/**
 * Before reserving, a payout pays what its creator owes the platform (a duplicate disbursement recovered by offset,
 * read with the profile): x = min(owed, amount) is posted once per payout (`net_receivable`: available → receivable)
 * with its record on the creator's receivables stream, and the payout goes on with the rest. False when nothing is
 * left for a rail. Nothing owed: no command at all (not even the patch marker). Since `payout-net-receivable`.
 */
export async function netReceivable(p: Payout, profile: PayoutProfile): Promise<boolean> {
  const owed = profile.receivableMinor ?? 0;
  // Once per payout: a re-payment after a return pays the rest the first attempt left (a debt opened meanwhile is the
  // next payout's to net).
  if (p.netted || owed <= 0 || p.input.amount.amountMinor <= 0 || !patched('payout-net-receivable')) return true;
  const { creatorId, payoutId, amount } = p.input;
  p.moveTo('reserving', { errorCode: null });
  // Another payout of the creator may net part of it first: the ledger refuses to net more than is owed, and the
  // activity says what is left (at most a few rounds; each one nets or shrinks what is owed).
  for (let left = owed; left > 0;) {
    const part: Money = { amountMinor: Math.min(left, amount.amountMinor), currency: amount.currency };
    const netted = await mustBook.netCreatorReceivable({
      postingId: idempotencyKey(p.workflowId, 'net_receivable'),
      creatorId,
      payoutId,
      amount: part,
      effectiveDate: effectiveDateOf(Date.now()),
      refs: { workflowId: p.workflowId, attempt: p.attempt },
    });
    if (netted.owedMinor === undefined) {
      p.nettedReceivable(part);
      break;
    }
    p.step('receivable_reduced', `${netted.owedMinor} ${amount.currency} still owed (netted elsewhere meanwhile)`);
    left = netted.owedMinor;
  }
  return p.payAmount.amountMinor > 0;
}

export async function reserve(p: Payout): Promise<void> {
  // Netting a receivable already moved the payout here (never the case in histories from before it).
  if (p.state !== 'reserving') p.moveTo('reserving', { errorCode: null });
  await post(p, 'reserve');
}

// ---------- paid: initiated once at the rail, then confirmed ----------

/** FX (when needed), then one transfer on the creator's rail with a step-scoped idempotency key, then its confirmation. */
export async function pay(p: Payout, profile: PayoutProfile): Promise<Confirmed> {
  const { input, workflowId: wf, attempt } = p;
  const method = profile.payoutMethod;
  if (!method)
    throw failure(FailureType.NotPayable, `payout ${input.payoutId}: no payout method on file`, {
      code: 'payout_method_missing',
    });
  const rail = method.rail;
  p.useRail(rail);
  p.country = method.country;
  let amount: Money = p.payAmount;
  if (needsFx(input.amount.currency, method.currency)) {
    const lock = await lookup.lockPayoutFx({
      idempotencyKey: idempotencyKey(wf, stepName('fx', attempt)),
      source: p.payAmount,
      targetCurrency: method.currency,
    });
    p.fxLocked(lock);
    amount = lock.target;
  }
  await untilReleased(p);
  if (p.stop) throw new Stopped(p.stop);
  const key = idempotencyKey(wf, stepName('initiate', attempt));
  // Since this patch the destination is fixed once per attempt and an unknown outcome is looked up at the rail.
  const fixed = patched('payout-fixed-destination');
  // Since `payout-routing` a PSP payout goes to the provider the routing table picks, failing over only on proof.
  if (fixed && routes(rail)) {
    const sent = await payRouted(p, method, amount, {
      beforeSend: async () => {
        await untilReleased(p);
        if (p.stop) throw new Stopped(p.stop);
      },
      send: (k, destinationId) => initiate(p, rail, k, amount, destinationId),
      sendOnce: (k, destinationId) => initiateOnce(p, rail, k, amount, destinationId),
      waitUntil: async (untilMs, summary) => {
        await waitFor(p, () => false, untilMs - Date.now(), summary);
      },
      wokenMethod: async (summary) => {
        await waitFor(p, () => false, undefined, summary);
        const profile = await lookup.getPayoutProfile({ creatorId: input.creatorId });
        p.notices.readAtServer(profile.pausedProviders);
        return profile.payoutMethod;
      },
    });
    p.transferSent(sent.reference);
    return awaitConfirmation(p, rail, sent.reference, sent.status);
  }
  const destinationId = fixed ? await fixDestination(p, rail, key) : undefined;
  // A hold accepted while the destination was being fixed (the state is still `reserving`, so holds are accepted)
  // must stop the payout before the rail has it; without a hold this issues no command.
  if (fixed) await untilReleased(p);
  if (p.stop) throw new Stopped(p.stop);
  p.initiating(rail);
  const { reference, status } = destinationId
    ? await initiateOnce(p, rail, key, amount, destinationId)
    : await initiate(p, rail, key, amount);
  p.transferSent(reference);
  return awaitConfirmation(p, rail, reference, status);
}

/**
 * Initiates with a fixed destination. A failure after a possibly-sent request (no typed refusal by the rail) is an
 * unknown outcome, never a failure: the rail is asked whether the transfer exists; if it does the payout goes on with
 * it, otherwise the payout parks for ops with its reservation kept (`retryPayoutNow` sends again with the same key,
 * `resolvePayout` closes it).
 */
export async function initiateOnce(
  p: Payout,
  rail: Rail,
  key: string,
  amount: Money,
  destinationId: string,
): Promise<Sent> {
  for (;;) {
    try {
      return await initiate(p, rail, key, amount, destinationId);
    } catch (err) {
      if (!moneyMayHaveMoved(true, typedFailure(err)?.type ?? undefined)) throw err;
      const found = await findAtRail(p, rail, key);
      if (found && found !== 'none') {
        p.step('found_at_rail', found.reference);
        return found;
      }
      p.moveTo('awaiting_confirmation', {
        awaiting: {
          actor: 'ops',
          reason: `outcome unknown at the ${rail} (${found === 'none' ? 'no transfer found' : 'look-up failed'}); retry now re-sends with the same key, or resolve`,
          ...p.reviewBy(),
        },
        errorCode: 'outcome_unknown',
      });
      await waitFor(p, () => false, undefined, 'ops: outcome unknown at the rail');
    }
  }
}

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
  // Since this patch a failure or return event is confirmed at the rail before it counts (rail.ts).
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
  p.parkForOps('return_currency_mismatch', `a return was booked in another currency than ${p.sentCurrency}`);
  return undefined;
}

/** The confirmation wait an earlier execution handed over (continue-as-new). */
export async function resumeConfirmation(p: Payout, carry: PayoutCarry): Promise<Confirmed> {
  return awaitConfirmation(p, carry.rail, carry.railReference, carry.confirmation.status, carry.confirmation);
}

// ---------- settled, and the return window ----------

export async function settle(p: Payout, c: Confirmed): Promise<void> {
  p.paidAtMs = Date.now();
  await post(p, 'settle');
  await announce(p, 'paid', 'paid', { railReference: c.reference });
}

/**
 * Stays open through the rail's return window; a full return (webhook, or the closing poll) ends the wait. A partial
 * return (less than the transfer came back) reverses nothing: it parks the payout for ops until they resolve it or
 * the rest comes back.
 */
export async function watchReturnWindow(p: Payout, c: Confirmed): Promise<Confirmed | undefined> {
  if (patched('rail-event-confirm')) return watchConfirmed(p, c);
  const end = Date.now() + p.timing.returnWindowMs;
  const partial = () => {
    const e = p.eventFor(c.reference);
    return e?.status === 'returned' && isPartialReturn(e.returnedAmountMinor, p.sentAmountMinor) ? e : undefined;
  };
  const returned = (): Confirmed | undefined => {
    const e = p.eventFor(c.reference);
    if (c.status === 'returned') return c;
    return e && (e.status === 'returned' || e.status === 'failed') && !partial()
      ? { ...c, status: 'returned', ...(e.code ? { code: e.code } : {}) }
      : undefined;
  };
  p.moveTo('paid_in_return_window', {
    awaiting: { actor: c.rail, reason: 'return window open', untilMs: end },
    errorCode: null,
  });
  for (;;) {
    if (returned()) return returned();
    const part = partial();
    if (part) {
      // Histories from before partial returns were told apart booked every return in full.
      if (!patched('payout-partial-return'))
        return { ...c, status: 'returned', ...(part.code ? { code: part.code } : {}) };
      p.awaitPartialReturnResolution(part.returnedAmountMinor);
      await waitFor(p, () => returned() !== undefined, undefined, 'ops: partial return');
      continue;
    }
    const woke = await waitFor(
      p,
      () => returned() !== undefined || partial() !== undefined,
      end - Date.now(),
      'return window',
    );
    if (woke === 'timeout') {
      const polled = await pollRail(p, c.rail, c.reference);
      return polled?.status === 'returned'
        ? { ...c, status: 'returned', ...(polled.code ? { code: polled.code } : {}) }
        : undefined;
    }
  }
}

/**
 * The return window since `rail-event-confirm`: only what the rail confirmed counts. A return event is asked about at
 * the rail (an unconfirmed one parks for ops and the window runs on); a full return ends the wait; a partial one (the
 * rail's own total, in the transfer's currency) parks for ops, who resolve it (`partial_return` books what came back)
 * unless the rest comes back. The window-end poll goes by the amounts too: a partial return seen there parks.
 */
async function watchConfirmed(p: Payout, c: Confirmed): Promise<Confirmed | undefined> {
  const end = Date.now() + p.timing.returnWindowMs;
  const truth = () => p.eventFor(c.reference);
  const back = (e: ReturnType<typeof truth>) => e?.status === 'returned' || e?.status === 'failed';
  const partial = () => {
    const e = truth();
    return e?.status === 'returned' && isPartialReturn(e.returnedAmountMinor, p.sentAmountMinor) ? e : undefined;
  };
  const full = (): Confirmed | undefined => {
    const e = truth();
    if (partial()) return undefined;
    if (back(e)) return { ...c, status: 'returned', ...(e?.code ? { code: e.code } : {}) };
    return c.status === 'returned' ? c : undefined;
  };
  p.moveTo('paid_in_return_window', {
    awaiting: { actor: c.rail, reason: 'return window open', untilMs: end },
    errorCode: null,
  });
  let shown: number | undefined;
  let forOps = false;
  for (;;) {
    await examineClaims(p, c.rail, c.reference, end);
    const done = full();
    if (done) return done;
    const part = partial();
    if (part && part.returnedAmountMinor !== shown) {
      shown = part.returnedAmountMinor;
      p.awaitPartialReturnResolution(part.returnedAmountMinor);
    }
    const waitsForOps = part !== undefined || forOps;
    const woke = await waitFor(
      p,
      () => p.hasClaims || full() !== undefined,
      waitsForOps ? undefined : end - Date.now(),
      waitsForOps ? 'ops: partial return' : 'return window',
    );
    if (woke !== 'timeout') continue;
    const answer = await askRail(p, c.rail, c.reference);
    recordAnswer(p, c.reference, answer);
    if (answer?.currencyMismatch) {
      p.parkForOps('return_currency_mismatch', `a return was booked in another currency than ${p.sentCurrency}`);
      forOps = true;
      continue;
    }
    if (!full() && !partial()) return undefined;
  }
}

// ---------- closing ----------

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
    idempotencyKey: initiationKey(p.workflowId, p.attempt, p.provider),
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
    if (p.ledger === 'reserved')
      await post(p, command.outcome === 'paid_elsewhere' ? 'settle' : 'release', undefined, { paidElsewhere: true });
  } else if (command.outcome === 'partial_return') {
    await bookPartialReturn(p);
  } else if (command.outcome === 'paid_elsewhere') {
    if (p.ledger === 'reserved') await post(p, 'settle', undefined, { paidElsewhere: true });
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
      reason: `paid elsewhere not booked: the creator's available balance is below ${p.payAmount.amountMinor} minor units; correct it, then retry now or resolve again`,
      ...p.reviewBy(),
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
  const found = await findAtRail(p, rail, initiationKey(p.workflowId, p.attempt, p.provider));
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

/**
 * Ops resolved a partial return: books exactly what came back (in the balance currency; converted back at the
 * payout's rate when it was converted, rounded down) from settled to the creator's balance.
 */
export async function bookPartialReturn(p: Payout): Promise<void> {
  const back = p.partialReturnMinor;
  if (back === undefined || p.ledger !== 'settled') {
    p.step('partial_return_not_booked', back === undefined ? 'no confirmed partial return' : `ledger ${p.ledger}`);
    return;
  }
  const amount = p.payAmount;
  const amountMinor = p.converted ? Math.floor((amount.amountMinor * back) / p.sentAmountMinor) : back;
  await post(p, 'reverse_partial', {
    amountMinor: Math.min(amountMinor, amount.amountMinor),
    currency: amount.currency,
  });
  p.step('partial_return_booked', `${amountMinor} ${amount.currency}`);
}

// ---------- a continued execution's carry ----------

/* What a continued-as-new execution is handed is checked before it is trusted: only a real continue-as-new may carry
 * state, and the carried ledger position must be what the ledger's own postings say. */

/** Why a carry is refused at start: no earlier execution of this workflow handed it over. */
export const CARRY_NOT_FROM_CONTINUE_AS_NEW = 'carry_not_from_continue_as_new';
/** Why a continued payout waits on ops: its carried ledger position is not what the ledger's postings say. */
export const CARRY_LEDGER_MISMATCH = 'carry_ledger_mismatch';

/**
 * A carry is the second argument of a start only when the payout continued as new (the server then names the run it
 * continued from). Anyone who may start workflows could otherwise start `creatorPayout(input, carry)` by hand and skip
 * payability, the reservation and the rail ("awaiting confirmation" of a transfer that never existed, then settle).
 * Refused at once, before any activity, visibly (`LastErrorCode`), since `payout-carry-origin`.
 */
export function refuseForgedCarry(carry: PayoutCarry | undefined): void {
  if (!carry || workflowInfo().continuedFromExecutionRunId) return;
  if (!patched('payout-carry-origin')) return;
  upsertSearchAttributes([
    { key: SA.PayoutState, value: 'failed' },
    { key: SA.LastErrorCode, value: CARRY_NOT_FROM_CONTINUE_AS_NEW },
  ]);
  setCurrentDetails('**failed** · started with a carry that no earlier execution handed over');
  throw failure(
    FailureType.InvalidInput,
    'invalid creator payout start: a carry is accepted only from a continue-as-new of the same payout',
    { code: CARRY_NOT_FROM_CONTINUE_AS_NEW },
  );
}

/**
 * Before a continued payout's next money step (settle, release), the ledger's own postings of this payout are read:
 * when they put the money elsewhere than the carry says, nothing moves; the payout waits on ops
 * (`carry_ledger_mismatch`) and goes on only once they agree (ops correct the books and retry now), or ops resolve it
 * (resolving books from where the ledger says the money is). Since `payout-carry-ledger-check`.
 */
export async function checkCarriedLedger(p: Payout, carry: PayoutCarry): Promise<void> {
  if (!patched('payout-carry-ledger-check')) return;
  const ids = payoutPostingIds(p.workflowId, carry.attempt);
  for (;;) {
    const { posted } = await lookup.readPayoutPostings({ postingIds: ids });
    const says = ledgerFromPostings(p.workflowId, carry.attempt, posted);
    p.ledgerSays(says);
    if (says === carry.ledger) return;
    p.step(CARRY_LEDGER_MISMATCH, `carried ${carry.ledger}, the ledger says ${says}`);
    p.moveTo('awaiting_confirmation', {
      awaiting: {
        actor: 'ops',
        reason: `the carried ledger position (${carry.ledger}) is not what the ledger says (${says}); nothing moves until the books agree (retry now) or ops resolve`,
        ...p.reviewBy(),
      },
      errorCode: CARRY_LEDGER_MISMATCH,
    });
    await waitFor(p, () => false, undefined, 'ops: carried ledger position does not match the ledger');
  }
}
