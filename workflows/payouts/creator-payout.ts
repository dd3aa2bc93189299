import {
  ApplicationFailure,
  log,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PayoutProfile } from '../../activities/payouts';
import { ActivityPresets } from '../shared/activity-options';
import { failure, FailureType } from '../shared/failures';
import type { Money } from '../shared/money';
import { parseOrFail } from '../shared/parse';
import { SA } from '../shared/search-attributes';
import { idempotencyKey } from '../shared/task-queue';
import {
  creatorPayoutInput,
  TERMINAL_STATES,
  type CreatorPayoutInput,
  type CreatorPayoutResult,
  type PayoutTiming,
  type Rail,
} from './contract';
import { PayoutInbox, type StopRequest } from './payout-messages';
import {
  awaitingActorFor,
  checkPayability,
  chooseRail,
  classifyReturn,
  mergeRailStatus,
  needsFx,
  nextRecheckAt,
  parkDeadline,
  pollDelayMs,
  railStatusFromPoll,
  resolveTiming,
  wantsReminder,
  type RailStatus,
} from './payout-policy';
import { PayoutTracker } from './payout-tracker';

const lookup = proxyActivities<Activities>(ActivityPresets.lookup);
const books = proxyActivities<Activities>(ActivityPresets.bookkeeping);
const moneyMovement = proxyActivities<Activities>(ActivityPresets.moneyMovement);
const statusPoll = proxyActivities<Activities>(ActivityPresets.statusPoll);
const notify = proxyActivities<Activities>(ActivityPresets.notification);

interface Ctx {
  input: CreatorPayoutInput;
  wf: string;
  t: PayoutTracker;
  inbox: PayoutInbox;
  attempt: number;
  ledger: 'none' | 'reserved' | 'settled' | 'reversed';
  rail?: Rail;
  timing: Required<PayoutTiming>;
}

interface Confirmed {
  rail: Rail;
  reference: string;
  status: RailStatus;
  code?: string;
}

/** An operator closed the payout while it waited; handled by the story's outer catch. */
class Stopped extends Error {
  constructor(readonly request: StopRequest) {
    super(`stopped by ${request.kind}`);
  }
}

/** Step names: `initiate`, then `initiate-2` for a re-pay after a return (a new idempotency key). */
const step = (base: string, attempt: number) => (attempt === 1 ? base : `${base}-${attempt}`);

/**
 * One creator payout, workflow ID = `payout-<payoutId>`: check payability (parking visibly when a check fails),
 * reserve funds, lock FX, pay on the creator's rail, await confirmation, settle, then stay open through the rail's
 * return window; a return reverses the ledger and, for account problems, waits for new details and pays again.
 */
export async function creatorPayout(rawInput: unknown): Promise<CreatorPayoutResult> {
  const input = parseInputOrFail(rawInput);
  const t = new PayoutTracker(input);
  const inbox = new PayoutInbox(t);
  const ctx: Ctx = {
    input,
    wf: workflowInfo().workflowId,
    t,
    inbox,
    attempt: 1,
    ledger: 'none',
    timing: resolveTiming(undefined, input.timing),
  };
  try {
    for (;;) {
      const profile = await untilPayable(ctx);
      await untilReleased(ctx);
      await reserve(ctx);
      const confirmed = await pay(ctx, profile);
      await settle(ctx, confirmed);
      const returned = await watchReturnWindow(ctx, confirmed);
      if (!returned) {
        t.set('completed', { errorCode: null });
        return {
          payoutId: input.payoutId,
          state: 'completed',
          rail: confirmed.rail,
          attempts: ctx.attempt,
          railReference: confirmed.reference,
        };
      }
      await reverse(ctx, returned);
      await untilNewDetails(ctx, returned.code);
      ctx.attempt++;
      inbox.currentAttempt = ctx.attempt;
      inbox.initiated = false;
      t.status.attempt = ctx.attempt;
    }
  } catch (err) {
    if (err instanceof Stopped && err.request.kind === 'resolve') return resolveByHand(ctx, err.request.command);
    throw await closeWithFailure(ctx, err);
  } finally {
    await t.runReported();
    await inbox.allFinished();
  }
}

function parseInputOrFail(raw: unknown): CreatorPayoutInput {
  try {
    return parseOrFail(creatorPayoutInput, raw, 'creator payout input');
  } catch (err) {
    upsertSearchAttributes([
      { key: SA.PayoutState, value: 'failed' },
      { key: SA.LastErrorCode, value: 'invalid_input' },
    ]);
    setCurrentDetails('**failed** · invalid input (see the failure for the fields)');
    throw err;
  }
}

/** Re-reads the directory until every payability check passes; parks (visibly, with reminders and a deadline) meanwhile. */
async function untilPayable(ctx: Ctx): Promise<PayoutProfile> {
  const { input, t, inbox } = ctx;
  let parkedSince: number | undefined;
  let nextReminder = 0;
  for (;;) {
    const profile = await lookup.getPayoutProfile({ creatorId: input.creatorId });
    if (profile.balanceCurrency !== input.amount.currency) {
      throw failure(
        FailureType.InvalidInput,
        `invalid creator payout input: amount.currency: ${input.amount.currency} does not match the creator's balance currency ${profile.balanceCurrency}`,
        { code: 'currency_mismatch' },
      );
    }
    ctx.timing = resolveTiming(profile.payoutMethod?.rail, input.timing);
    const verdict = checkPayability(profile, input.amount, Date.now());
    if (verdict.payable) return profile;
    const codes = verdict.blockers.map((b) => b.code).join(',');
    if (verdict.permanent)
      throw failure(FailureType.NotPayable, `payout ${input.payoutId} is not payable: ${codes}`, { code: codes });
    const now = Date.now();
    const remind = wantsReminder(verdict.blockers);
    if (parkedSince === undefined) {
      parkedSince = now;
      nextReminder = now + ctx.timing.reminderEveryMs;
      if (remind) await emailCreator(ctx, 'action_required');
    }
    const deadline = parkDeadline(verdict.blockers, parkedSince, ctx.timing);
    t.set('awaiting_payability', {
      awaiting: { actor: awaitingActorFor(verdict.blockers), reason: codes, sinceMs: parkedSince, untilMs: deadline },
      errorCode: verdict.blockers[0]?.code ?? null,
    });
    if (now >= deadline)
      throw failure(FailureType.NotPayable, `payout ${input.payoutId} still not payable at its deadline: ${codes}`, {
        code: codes,
      });
    const wakeAt = Math.min(
      nextRecheckAt(verdict.blockers, now, ctx.timing),
      deadline,
      remind ? nextReminder : Infinity,
    );
    if ((await inbox.waitFor(() => false, wakeAt - now, 'payability re-check')) === 'stopped')
      throw new Stopped(inbox.stop as StopRequest);
    if (remind && Date.now() >= nextReminder) {
      await emailCreator(ctx, 'action_required');
      nextReminder += ctx.timing.reminderEveryMs;
    }
  }
}

/** A compliance hold stops the payout before its next money step until an operator releases it. */
async function untilReleased(ctx: Ctx): Promise<void> {
  const { t, inbox } = ctx;
  if (!inbox.hold) return;
  t.set('on_hold', {
    awaiting: {
      actor: 'compliance',
      reason: `compliance hold: ${inbox.hold.reason}`,
      sinceMs: Date.parse(inbox.hold.since),
    },
  });
  if ((await inbox.waitFor(() => inbox.hold === undefined, undefined, 'compliance hold')) === 'stopped')
    throw new Stopped(inbox.stop as StopRequest);
  t.step('hold_released');
}

async function reserve(ctx: Ctx): Promise<void> {
  ctx.t.set('reserving', { errorCode: null });
  await books.postPayoutLedger({
    kind: 'reserve',
    postingId: idempotencyKey(ctx.wf, step('reserve', ctx.attempt)),
    creatorId: ctx.input.creatorId,
    amount: ctx.input.amount,
    payoutId: ctx.input.payoutId,
  });
  ctx.ledger = 'reserved';
}

/** FX (when needed), then one transfer on the creator's rail with a step-scoped idempotency key, then its confirmation. */
async function pay(ctx: Ctx, profile: PayoutProfile): Promise<Confirmed> {
  const { input, t, inbox, wf, attempt } = ctx;
  const method = profile.payoutMethod;
  if (!method)
    throw failure(FailureType.NotPayable, `payout ${input.payoutId}: no payout method on file`, {
      code: 'payout_method_missing',
    });
  const rail = chooseRail(method);
  ctx.rail = rail;
  t.setRail(rail);
  let amount: Money = input.amount;
  if (needsFx(input.amount.currency, method.currency)) {
    const lock = await lookup.lockPayoutFx({
      idempotencyKey: idempotencyKey(wf, step('fx', attempt)),
      source: input.amount,
      targetCurrency: method.currency,
    });
    t.status.fx = { lockId: lock.lockId, rate: lock.rate, target: lock.target };
    t.step('fx_locked', `${lock.rate} → ${lock.target.amountMinor} ${lock.target.currency}`);
    amount = lock.target;
  }
  await untilReleased(ctx);
  if (inbox.stop) throw new Stopped(inbox.stop);
  inbox.initiated = true;
  t.set('initiating', { awaiting: { actor: rail, reason: `sending the ${rail} transfer` } });
  const key = idempotencyKey(wf, step('initiate', attempt));
  let reference: string;
  let status: RailStatus;
  if (rail === 'psp') {
    const r = await moneyMovement.initiatePspPayout({
      idempotencyKey: key,
      creatorId: input.creatorId,
      amount,
      reference: wf,
    });
    reference = r.transferId;
    status = railStatusFromPoll(r.status);
  } else {
    const r = await moneyMovement.initiateBankPayout({
      idempotencyKey: key,
      workflowId: wf,
      creatorId: input.creatorId,
      amount,
      remittance: `Payout ${input.payoutId} ${input.period}`,
    });
    reference = r.endToEndId;
    status = railStatusFromPoll(r.status);
  }
  t.status.railReference = reference;
  t.step('initiated', reference);
  return awaitConfirmation(ctx, rail, reference, status);
}

/** Whichever comes first: a webhook signal, or a status poll on an exponential backoff. */
async function awaitConfirmation(ctx: Ctx, rail: Rail, reference: string, initial: RailStatus): Promise<Confirmed> {
  const { t, inbox, attempt, timing } = ctx;
  const since = Date.now();
  const deadline = since + timing.confirmationDeadlineMs;
  let status = initial;
  let code: string | undefined;
  let overdue: boolean | undefined;
  for (let polls = 0; ; polls++) {
    const event = inbox.statusOf(reference, attempt);
    if (event && mergeRailStatus(status, event.status) !== status) {
      status = event.status;
      code = event.code;
    }
    if (status !== 'pending') {
      t.step(`confirmed:${status}`, code);
      if (status === 'failed')
        throw failure(
          FailureType.Declined,
          `payout ${ctx.input.payoutId} failed at the ${rail} (${code ?? 'no code'})`,
          { code: code ?? 'failed', rail },
        );
      return { rail, reference, status, ...(code ? { code } : {}) };
    }
    const nowOverdue = Date.now() >= deadline;
    if (nowOverdue !== overdue) {
      overdue = nowOverdue;
      t.set('awaiting_confirmation', {
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
    const woke = await inbox.waitFor(
      () => (inbox.statusOf(reference, attempt)?.status ?? 'pending') !== 'pending',
      pollDelayMs(polls, timing),
      'next status poll',
    );
    if (woke === 'stopped') throw new Stopped(inbox.stop as StopRequest);
    if (woke === 'done') continue;
    const polled = await pollRail(ctx, rail, reference);
    if (polled && mergeRailStatus(status, polled.status) !== status) {
      status = polled.status;
      code = polled.code;
    }
  }
}

async function pollRail(
  ctx: Ctx,
  rail: Rail,
  reference: string,
): Promise<{ status: RailStatus; code?: string } | undefined> {
  try {
    if (rail === 'psp') {
      const r = await statusPoll.pollPspPayout({ transferId: reference });
      return { status: railStatusFromPoll(r.status), ...(r.failureCode ? { code: r.failureCode } : {}) };
    }
    const r = await statusPoll.pollBankPayout({ endToEndId: reference });
    return { status: railStatusFromPoll(r.status), ...(r.reasonCode ? { code: r.reasonCode } : {}) };
  } catch (err) {
    log.warn('status poll failed; the next poll or a webhook will tell', {
      reference,
      error: err instanceof Error ? err.message : String(err),
    });
    ctx.t.step('poll_failed');
    return undefined;
  }
}

async function settle(ctx: Ctx, c: Confirmed): Promise<void> {
  await books.postPayoutLedger({
    kind: 'settle',
    postingId: idempotencyKey(ctx.wf, step('settle', ctx.attempt)),
    creatorId: ctx.input.creatorId,
    amount: ctx.input.amount,
    payoutId: ctx.input.payoutId,
  });
  ctx.ledger = 'settled';
  await announce(ctx, 'paid', 'paid', { railReference: c.reference });
}

/** Stays open through the rail's return window; a return (webhook, or the closing poll) ends the wait. */
async function watchReturnWindow(ctx: Ctx, c: Confirmed): Promise<Confirmed | undefined> {
  const { t, inbox, attempt } = ctx;
  const end = Date.now() + ctx.timing.returnWindowMs;
  const returned = (): Confirmed | undefined => {
    const e = inbox.statusOf(c.reference, attempt);
    if (c.status === 'returned') return c;
    return e && (e.status === 'returned' || e.status === 'failed')
      ? { ...c, status: 'returned', ...(e.code ? { code: e.code } : {}) }
      : undefined;
  };
  t.set('paid_in_return_window', {
    awaiting: { actor: c.rail, reason: 'return window open', untilMs: end },
    errorCode: null,
  });
  for (;;) {
    if (returned()) return returned();
    const woke = await inbox.waitFor(() => returned() !== undefined, end - Date.now(), 'return window');
    if (woke === 'stopped') throw new Stopped(inbox.stop as StopRequest);
    if (woke === 'timeout') {
      const polled = await pollRail(ctx, c.rail, c.reference);
      return polled?.status === 'returned'
        ? { ...c, status: 'returned', ...(polled.code ? { code: polled.code } : {}) }
        : undefined;
    }
  }
}

async function reverse(ctx: Ctx, c: Confirmed): Promise<void> {
  await books.postPayoutLedger({
    kind: 'reverse',
    postingId: idempotencyKey(ctx.wf, step('reverse', ctx.attempt)),
    creatorId: ctx.input.creatorId,
    amount: ctx.input.amount,
    payoutId: ctx.input.payoutId,
  });
  ctx.ledger = 'reversed';
  await announce(ctx, 'returned', 'returned', { code: c.code ?? 'unknown' });
}

/** Account closed or invalid: wait for the creator's new details (signal), with reminders and a deadline. */
async function untilNewDetails(ctx: Ctx, code: string | undefined): Promise<void> {
  const { t, inbox, input } = ctx;
  const verdict = classifyReturn(code);
  if (verdict.action === 'end_returned') {
    t.set('returned', { errorCode: verdict.code });
    throw failure(
      FailureType.Rejected,
      `payout ${input.payoutId} was returned by the ${ctx.rail ?? 'rail'} (${verdict.code})`,
      { code: verdict.code },
    );
  }
  const since = Date.now();
  const deadline = since + ctx.timing.parkDeadlineMs;
  let nextReminder = since + ctx.timing.reminderEveryMs;
  await emailCreator(ctx, 'new_details_required');
  t.set('awaiting_new_details', {
    awaiting: {
      actor: 'creator',
      reason: `new payout details needed after return ${verdict.code}`,
      sinceMs: since,
      untilMs: deadline,
    },
    errorCode: verdict.code,
  });
  for (;;) {
    const woke = await inbox.waitFor(() => false, Math.min(deadline, nextReminder) - Date.now(), 'new payout details');
    if (woke === 'stopped') throw new Stopped(inbox.stop as StopRequest);
    if (woke === 'woken') return;
    if (Date.now() >= deadline) {
      t.set('returned', { errorCode: 'new_details_overdue' });
      throw failure(
        FailureType.NotPayable,
        `payout ${input.payoutId}: no new payout details by the deadline after return ${verdict.code}`,
        { code: verdict.code },
      );
    }
    await emailCreator(ctx, 'new_details_required');
    nextReminder += ctx.timing.reminderEveryMs;
  }
}

async function resolveByHand(
  ctx: Ctx,
  command: { operator: string; reason: string; outcome: 'paid_elsewhere' | 'abandoned' },
): Promise<CreatorPayoutResult> {
  const { t, input } = ctx;
  if (ctx.ledger === 'reserved') {
    const kind = command.outcome === 'paid_elsewhere' ? 'settle' : 'release';
    await books.postPayoutLedger({
      kind,
      postingId: idempotencyKey(ctx.wf, step(kind, ctx.attempt)),
      creatorId: input.creatorId,
      amount: input.amount,
      payoutId: input.payoutId,
    });
  }
  t.status.resolution = command;
  t.set('resolved_manually');
  await announce(ctx, 'resolved', undefined, { outcome: command.outcome });
  return {
    payoutId: input.payoutId,
    state: 'resolved_manually',
    ...(ctx.rail ? { rail: ctx.rail } : {}),
    attempts: ctx.attempt,
    ...(t.status.railReference ? { railReference: t.status.railReference } : {}),
  };
}

/**
 * Every other ending: releases a reservation when no money can have moved (not yet initiated, or a typed refusal by
 * the rail), sets the terminal state, and returns the typed failure to throw.
 */
async function closeWithFailure(ctx: Ctx, err: unknown): Promise<ApplicationFailure> {
  const { t, input } = ctx;
  const typed = typedCause(err);
  const cancelled = err instanceof Stopped;
  const code = cancelled ? 'cancelled' : (detailCode(typed) ?? typed?.type?.toLowerCase() ?? 'outcome_unknown');
  const moneyMayHaveMoved = ctx.inbox.initiated && (!typed || typed.type === FailureType.Conflict);
  if (ctx.ledger === 'reserved' && !moneyMayHaveMoved) {
    await books.postPayoutLedger({
      kind: 'release',
      postingId: idempotencyKey(ctx.wf, step('release', ctx.attempt)),
      creatorId: input.creatorId,
      amount: input.amount,
      payoutId: input.payoutId,
    });
    ctx.ledger = 'none';
    if (!cancelled) await announce(ctx, 'failed', 'failed', { code });
  }
  if (!TERMINAL_STATES.includes(t.state)) t.set(cancelled ? 'cancelled' : 'failed', { errorCode: code });
  if (err instanceof Stopped) {
    await announce(ctx, 'cancelled', undefined, {});
    return failure(FailureType.Cancelled, `payout ${input.payoutId} was cancelled by an operator`, {
      reason: err.request.command.reason,
    });
  }
  if (typed)
    return failure(typed.type as FailureType, typed.message, { code, ...(ctx.rail ? { rail: ctx.rail } : {}) });
  // Not a typed outcome (e.g. the rail never answered within the activity's whole retry window): the money may
  // have moved, so the reservation stays for ops to reconcile.
  return failure(
    FailureType.ProviderPermanent,
    `payout ${input.payoutId}: outcome unknown at the ${ctx.rail ?? 'rail'}; reservation kept for reconciliation`,
    { code },
  );
}

/** The product's own typed failure inside an activity failure (or the failure itself). */
function typedCause(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type && Object.values(FailureType).includes(e.type as FailureType))
      return e;
  }
  return undefined;
}

function detailCode(f: ApplicationFailure | undefined): string | undefined {
  const d = f?.details?.[0] as { code?: unknown; reasonCode?: unknown; declineCode?: unknown } | undefined;
  const c = d?.reasonCode ?? d?.declineCode ?? d?.code;
  return typeof c === 'string' ? c : undefined;
}

async function emailCreator(
  ctx: Ctx,
  template: 'paid' | 'failed' | 'returned' | 'action_required' | 'new_details_required',
): Promise<void> {
  try {
    await notify.emailCreator({
      creatorId: ctx.input.creatorId,
      payoutId: ctx.input.payoutId,
      template,
      amount: ctx.input.amount,
    });
  } catch (err) {
    log.warn('creator email failed; the payout goes on', {
      template,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Email (optional) plus a domain event; neither may block money. */
async function announce(
  ctx: Ctx,
  kind: string,
  template: 'paid' | 'failed' | 'returned' | undefined,
  data: Record<string, unknown>,
): Promise<void> {
  const { input } = ctx;
  const publish = async () => {
    try {
      await notify.publishEvent({
        type: `payout.${kind}`,
        dedupeKey: `${ctx.wf}:${kind}-${ctx.attempt}`,
        data: {
          payoutId: input.payoutId,
          creatorId: input.creatorId,
          period: input.period,
          amount: input.amount,
          attempt: ctx.attempt,
          ...(ctx.rail ? { rail: ctx.rail } : {}),
          ...(input.runId ? { runId: input.runId } : {}),
          ...data,
        },
      });
    } catch (err) {
      log.warn('payout event failed to publish', { kind, error: err instanceof Error ? err.message : String(err) });
    }
  };
  // The email and the event are independent: sent together, one round trip (see PayoutTracker.fewerCommands).
  if (ctx.t.fewerCommands) {
    await Promise.all([template ? emailCreator(ctx, template) : undefined, publish()]);
    return;
  }
  if (template) await emailCreator(ctx, template);
  await publish();
}
