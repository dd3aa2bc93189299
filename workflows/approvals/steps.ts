import { ActivityFailure, CancellationScope, condition, isCancellation, log, patched } from '@temporalio/workflow';
import { CancelledFailure, TimeoutFailure } from '@temporalio/common';
import { activityProxies, type PublishEventInput } from '../shared/activities';
import { viaPspQueue } from '../shared/psp-queue';
import { failure, failureCode, FailureType, typedFailure } from '../shared/failures';
import type { Money } from '../shared/money';
import { Saga } from '../shared/saga';
import { idempotencyKey } from '../shared/task-queue';
import type { ApprovalActivities, DecisionRecord, RefundRefusal, RequestedRemedies, RequestFacts } from './contract';
import { escalationMarks, totalOf, type Plan } from './policy';
import { impossibleRefund, planAlternative } from './refund-alternative';
import type { ApprovalCase } from './state';
import { bookingOf, type SpendActivities } from './spend-facts';

const { lookup, books, mustBook, money, notify } = activityProxies<ApprovalActivities>();
/** Books a compensation's cost in the ledger and its report fact; retried like bookkeeping (no time limit). */
const spend = activityProxies<SpendActivities>().mustBook;
/** The PSP refund on the PSP's own paced task queue. */
const pspMoney = () => viaPspQueue<ApprovalActivities>('moneyMovement');
/** A PSP read retried until the PSP answers (an unknown refund outcome waits for it). */
const pspLookup = () => viaPspQueue<ApprovalActivities>('lookup');

/** Appends decision records to the request's audit trail (outside history). */
export type Audit = (record: DecisionRecord) => Promise<unknown>;

/**
 * The audit writer of one request. Retried with no schedule-to-close (`mustBook`): a decision that was taken must be
 * recorded however long the store is down, and a write that gave up would fail the signal handler awaiting it, and
 * with it the workflow (idempotent per sequence number, so a retry never doubles an entry).
 */
export function auditOf(c: ApprovalCase): Audit {
  return (record) => mustBook.recordApprovalDecision({ workflowId: c.workflowId, orderId: c.request.orderId, record });
}

/** Reads what the policy needs (order, earlier claims, disputes, the agent's spend on `day`) and registers the request. */
export async function readFacts(c: ApprovalCase, day: string) {
  const { request: rq, workflowId } = c;
  const at = new Date(Date.now()).toISOString();
  const input = { workflowId, orderId: rq.orderId, agentId: rq.requester.agentId, currency: rq.currency, day, at };
  return (await lookup.openCompensationCase(input)).facts;
}

/**
 * An auto-approval reserves its amount on the agent's day before it counts: parallel requests read the same spend,
 * and the reservation (atomic in the store) is what keeps their sum within the budget. Refused, the facts carry the
 * spend that refused it, so the policy flags the request for people. Histories recorded before this rule skip it.
 */
export async function reserveBudget(c: ApprovalCase, facts: RequestFacts, day: string): Promise<RequestFacts> {
  const plan = c.preview(facts);
  if (plan.kind !== 'auto_approve' || !patched('approvals-atomic-budget')) return facts;
  const held = await reserve(c, totalOf(plan.remedies), day);
  return held.reserved ? facts : { ...facts, agentSpentTodayMinor: held.spentMinor };
}

/**
 * The plan an amendment really gets. One that would be auto-approved on the facts read at the start is planned again
 * on facts read now (the agent's spend and the order's claims move while the request waits) and must reserve its
 * amount on the agent's budget day like a first request: refused, it goes to finance (flagged) instead of executing.
 * Histories recorded before this rule approved on the start's facts.
 */
export async function settleAmendment(c: ApprovalCase, remedies: RequestedRemedies, plan: Plan): Promise<Plan> {
  if (plan.kind !== 'auto_approve' || !patched('approvals-amend-budget')) return plan;
  return c.oneAmendmentAtATime(async () => {
    const facts = await readFacts(c, c.day);
    c.refreshFacts(facts);
    const fresh = c.planAmendment(remedies, facts) as Plan;
    if (fresh.kind !== 'auto_approve' || c.status !== 'pending') return fresh;
    const held = await reserve(c, totalOf(fresh.remedies), c.day);
    return held.reserved
      ? fresh
      : (c.planAmendment(remedies, { ...facts, agentSpentTodayMinor: held.spentMinor }) as Plan);
  });
}

/** Reserves `amountMinor` on the agent's `day` (idempotent per workflow ID). */
function reserve(c: ApprovalCase, amountMinor: number, day: string) {
  const { request: rq, workflowId } = c;
  const at = new Date(Date.now()).toISOString();
  const budgetMinor = c.policy.agentDailyBudgetMinor;
  const input = { workflowId, agentId: rq.requester.agentId, day, currency: rq.currency, amountMinor, budgetMinor, at };
  return books.reserveAgentBudget(input);
}

/**
 * Announces a ladder mark to other systems (SNS). An announcement that cannot be published after its tries is given
 * up and logged: the request goes on up its ladder (histories recorded before this rule failed the request).
 */
async function announce(event: PublishEventInput): Promise<void> {
  if (!patched('approvals-announce-never-fails')) {
    await notify.publishEvent(event);
    return;
  }
  await notify.publishEvent(event).catch((err: unknown) => {
    if (isCancellation(err)) throw err;
    log.warn('ladder announcement not published', { type: event.type, code: failureCode(err) });
  });
}

/** One escalation mark passed without a decision: remind, hand off to the next tier, or expire; each is announced. */
export async function escalate(c: ApprovalCase, stage: 'remind' | 'hand_off' | 'expire', audit: Audit): Promise<void> {
  const { workflowId } = c;
  if (stage === 'remind') {
    const tier = c.route?.tier ?? 'none';
    await audit(c.remind());
    await announce({
      type: 'approval.reminder',
      dedupeKey: `${workflowId}:remind`,
      data: { workflowId, tier },
    });
  } else if (stage === 'hand_off') {
    const { record, from, to } = c.handOff();
    await audit(record);
    const data = { workflowId, from, to };
    await announce({ type: 'approval.handed_off', dedupeKey: `${workflowId}:hand-off`, data });
  } else {
    const tier = c.route?.tier ?? 'none';
    await audit(c.expire());
    const data = { workflowId, tier, outcome: c.status };
    await announce({ type: 'approval.expired', dedupeKey: `${workflowId}:expire`, data });
  }
}

/** The escalation ladder: reminder, hand-off to the next tier, expiry; each mark a durable timer. */
export async function waitForFinance(c: ApprovalCase, audit: Audit): Promise<void> {
  const since = Date.now();
  c.startWaiting(since);
  for (const mark of escalationMarks(c.policy)) {
    const at = since + mark.afterMs;
    c.awaitMark({ stage: mark.stage, at });
    c.publishAsRecorded();
    const decided = await condition(() => c.status !== 'pending', Math.max(1, at - Date.now()), {
      summary: `${mark.stage} unless finance decides`,
    });
    if (decided) break;
    await escalate(c, mark.stage, audit);
  }
  c.awaitMark(undefined);
}

/**
 * Executes the approved remedies, books them on the order (and the agent's `day`), tells the customer and others.
 * Once the refund may have been sent nothing can be taken back: a cancellation from then on is too late, so the
 * compensation completes and is recorded as executed (histories recorded before this rule keep the cancellable path).
 * `final`: a cancellation can no longer stop this request (the story must not be cancelled out of its end either).
 */
export async function carryOut(c: ApprovalCase, day: string, audit: Audit): Promise<{ final: boolean }> {
  const { request: rq, workflowId } = c;
  c.startExecuting();
  c.publishAsRecorded();
  const refundIsFinal = patched('approvals-refund-final');
  try {
    if ((await executeRemedies(c, refundIsFinal, audit)) === 'declined') {
      // Finance rejected (or let lapse) the alternative to an impossible refund: nothing moved at the PSP, and what
      // was issued was undone; booked like a failed request's issue and undo.
      await bookFailed(c);
      return { final: false };
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    c.failed(failureCode(err));
    const { undone, undoFailed } = c.execution;
    await CancellationScope.nonCancellable(() =>
      notify.publishEvent({
        type: 'compensation.failed',
        dedupeKey: workflowId,
        data: {
          workflowId,
          orderId: rq.orderId,
          code: c.failure,
          undone: undone ?? [],
          ...(undoFailed && { undoFailed }),
        },
      }),
    );
    await bookFailed(c);
    c.publishAsRecorded();
    const left = undoFailed?.length ? `; NOT undone: ${undoFailed.map((u) => `${u.step} (${u.code})`).join(', ')}` : '';
    throw failure(
      FailureType.ProviderPermanent,
      `compensation could not be carried out (${c.failure}); undone: ${undone?.join(', ') || 'nothing'}${left}`,
      { code: c.failure, undone, ...(undoFailed && { undoFailed }) },
    );
  }
  await (refundIsFinal ? CancellationScope.nonCancellable(() => recordExecuted(c, day)) : recordExecuted(c, day));
  return { final: refundIsFinal };
}

/** Books an executed compensation on the order and the agent's day, then tells the customer and the others. */
async function recordExecuted(c: ApprovalCase, day: string): Promise<void> {
  const { request: rq, workflowId } = c;
  const r = c.remedies as NonNullable<typeof c.remedies>;
  const amount = { amountMinor: c.totalMinor ?? 0, currency: rq.currency };
  const at = new Date(Date.now()).toISOString();
  // The money has moved: the booking must land through a store outage of any length (idempotent per workflow ID), or
  // the order misses `compensation.executed` (a dispute could refund it again) and the request would end `failed`.
  await mustBook.recordCompensationExecuted({
    workflowId,
    orderId: rq.orderId,
    agentId: rq.requester.agentId,
    day,
    at,
    amount,
  });
  c.executed();
  const given = (m: number) => (m > 0 ? { amountMinor: m, currency: rq.currency } : undefined);
  const { voucherId } = c.execution;
  const voucher = voucherId ? { amount: { amountMinor: r.voucherMinor, currency: rq.currency }, voucherId } : undefined;
  await Promise.all([
    notify
      .notifyCustomerOfCompensation({
        customerId: rq.customerId,
        orderId: rq.orderId,
        refund: given(r.refundMinor),
        storeCredit: given(r.storeCreditMinor),
        voucher,
      })
      .catch(() => {
        // The money has moved: a customer email that cannot be sent is flagged for ops, not a failed compensation.
        c.customerEmailFailed();
        c.publishAsRecorded();
      }),
    bookExecuted(c),
    // The money has moved: others must hear of it, however long SNS is down (deduplicated by `dedupeKey`).
    mustBook.publishEvent({
      type: 'compensation.executed',
      dedupeKey: workflowId,
      data: {
        workflowId,
        orderId: rq.orderId,
        amountMinor: amount.amountMinor,
        currency: amount.currency,
        ...c.execution,
      },
    }),
  ]);
}

/**
 * The executed compensation's ledger posting (its cost by reason, against refund, store credit and voucher) and its
 * report fact. Histories recorded before this rule booked neither.
 */
async function bookExecuted(c: ApprovalCase): Promise<void> {
  if (!patched('approvals-spend-facts')) return;
  const booking = bookingOf(c, 'executed');
  if (booking) await spend.bookCompensation(booking);
}

/**
 * A failed request that had issued something: the issue and the saga's undo are booked, so the ledger and the
 * reports show what stayed given (an undo that failed leaves a cost and a liability). Nothing issued, nothing booked.
 */
async function bookFailed(c: ApprovalCase): Promise<void> {
  if (!patched('approvals-spend-facts')) return;
  const booking = bookingOf(c, 'failed');
  if (booking) await CancellationScope.nonCancellable(() => spend.bookCompensation(booking));
}

/**
 * Carries out an approved request. Reversible remedies (store credit, voucher) go first and register their undo;
 * the refund, which cannot be taken back, goes last. Each step runs to completion even if the workflow is cancelled
 * meanwhile (so no issued credit goes unrecorded); a failure, or a cancellation before the refund, then undoes what
 * was done.
 */
async function executeRemedies(c: ApprovalCase, refundIsFinal: boolean, audit: Audit): Promise<'done' | 'declined'> {
  const r = c.remedies;
  if (!r) return 'done';
  const key = (step: string) => idempotencyKey(c.workflowId, step);
  const amount = (amountMinor: number) => ({ amountMinor, currency: c.request.currency });
  const { customerId, orderId } = c.request;
  const reference = c.workflowId;
  const saga = new Saga();
  const step = async <T>(fn: () => Promise<T>, irreversible = false): Promise<T> => {
    const out = await CancellationScope.nonCancellable(fn);
    if (!(irreversible && refundIsFinal) && CancellationScope.current().consideredCancelled)
      throw new CancelledFailure('cancelled while carrying out the compensation');
    return out;
  };

  try {
    if (r.storeCreditMinor > 0) {
      const credit = { idempotencyKey: key('store-credit'), customerId, amount: amount(r.storeCreditMinor), reference };
      const { creditId } = await step(() => money.issueCompensationStoreCredit(credit));
      c.carriedOut({ storeCreditId: creditId });
      saga.add('store-credit', () =>
        money.revokeCompensationStoreCredit({ idempotencyKey: key('revoke-store-credit'), creditId }),
      );
    }
    if (r.voucherMinor > 0) {
      const voucher = { idempotencyKey: key('voucher'), customerId, amount: amount(r.voucherMinor), reference };
      const { voucherId } = await step(() => money.issueCompensationVoucher(voucher));
      c.carriedOut({ voucherId });
      saga.add('voucher', () => money.voidCompensationVoucher({ idempotencyKey: key('void-voucher'), voucherId }));
    }
    if (r.refundMinor > 0) {
      const refund = { idempotencyKey: key('refund'), orderId, amount: amount(r.refundMinor), reference };
      const done = await step(() => refundOrRefusal(refund), true);
      if ('refundId' in done) c.carriedOut({ refundId: done.refundId });
      else {
        // The PSP refused for good: nothing moved, and the refund is not tried anywhere else (it goes back to the
        // payment it refunds). The refund's amount is proposed as store credit, through the policy; what was issued
        // stays issued while finance decides, and is undone (below) if they reject it or let it lapse.
        const decided = await proposeAlternative(c, done.refusal, audit);
        if (decided === 'unplanned') throw done.error;
        if (decided === 'declined') {
          const { undone, failed } = await saga.compensateAll();
          const undoFailed = failed.map((f) => ({ step: f.name, code: failureCode(f.error) }));
          c.carriedOut({ undone, ...(undoFailed.length > 0 && { undoFailed }) });
          return 'declined';
        }
        c.startExecuting();
        const credit = {
          idempotencyKey: key('store-credit-alternative'),
          customerId,
          amount: amount(r.refundMinor),
          reference,
        };
        const { creditId } = await step(() => money.issueCompensationStoreCredit(credit));
        c.carriedOut({ alternativeCreditId: creditId });
        saga.add('store-credit-alternative', () =>
          money.revokeCompensationStoreCredit({ idempotencyKey: key('revoke-store-credit-alternative'), creditId }),
        );
      }
    }
    return 'done';
  } catch (err) {
    // Every undo runs (each retried per its preset); the original failure is what the request failed with.
    const { undone, failed } = await saga.compensateAll(() => patched('approvals-undo-all'));
    const undoFailed = failed.map((f) => ({ step: f.name, code: failureCode(f.error) }));
    c.carriedOut({ undone, ...(undoFailed.length > 0 && { undoFailed }) });
    throw err;
  }
}

/**
 * The refund, or the PSP's definitive refusal that makes it impossible (with the error, should the policy reject the
 * alternative). Only an answer counts: an unknown outcome is looked up ({@link refundOrFind}) and, with no refund
 * found, fails as before. Histories recorded before 'approvals-refund-alternative' failed on every refusal.
 */
async function refundOrRefusal(
  refund: Parameters<typeof refundOrFind>[0],
): Promise<{ refundId: string } | { refusal: RefundRefusal; error: unknown }> {
  try {
    return await refundOrFind(refund);
  } catch (err) {
    const typed = outcomeUnknown(err) ? undefined : typedFailure(err);
    const refusal =
      typed && impossibleRefund({ type: typed.type, details: typed.details?.[0] as Record<string, unknown> });
    if (!refusal || !patched('approvals-refund-alternative')) throw err;
    return { refusal, error: err };
  }
}

/**
 * Puts the alternative to an impossible refund to the policy, on facts read again (a dispute may have opened, the
 * agent's day moved), like a new request: auto-approved only when the policy would auto-approve it (its amount
 * reserved on the agent's budget day), else finance decides under the escalation ladder. The proposal, with the
 * refusal as evidence, goes to the audit trail before anyone can decide. `unplanned`: the policy rejects it.
 */
async function proposeAlternative(
  c: ApprovalCase,
  refusal: RefundRefusal,
  audit: Audit,
): Promise<'approved' | 'declined' | 'unplanned'> {
  const approved = c.remedies as NonNullable<typeof c.remedies>;
  const facts = await readFacts(c, c.day);
  c.refreshFacts(facts);
  let plan = planAlternative(c.policy, c.request, facts, approved);
  if (plan.kind === 'auto_approve') {
    const held = await reserve(c, totalOf(plan.remedies), c.day);
    if (!held.reserved)
      plan = planAlternative(c.policy, c.request, { ...facts, agentSpentTodayMinor: held.spentMinor }, approved);
  }
  await audit(c.proposeAlternative(refusal, plan, Date.now()));
  if (plan.kind === 'reject') return 'unplanned';
  if (plan.kind === 'needs_approval') await waitForFinance(c, audit);
  return c.status === 'approved' ? 'approved' : 'declined';
}

/**
 * The PSP refund. When its outcome is unknown (every retry of its window timed out or failed: the PSP may have
 * committed, then stopped answering), it is looked up at the PSP by its reference before anything is undone: a
 * refund found is done (the money moved); none found means nothing moved, and the failure stands. Histories recorded
 * before this rule took the unknown outcome as a failure.
 */
async function refundOrFind(refund: {
  idempotencyKey: string;
  orderId: string;
  amount: Money;
  reference: string;
}): Promise<{ refundId: string }> {
  try {
    return await pspMoney().refundCompensation(refund);
  } catch (err) {
    if (!outcomeUnknown(err) || !patched('approvals-refund-lookup')) throw err;
    const { idempotencyKey, orderId, reference } = refund;
    const { refundId } = await pspLookup().findCompensationRefund({ idempotencyKey, orderId, reference });
    if (refundId === undefined) throw err;
    return { refundId };
  }
}

/**
 * The activity gave up without an answer: its retry window (or attempts) ran out on timeouts or retryable errors.
 * A non-retryable failure is an answer (the PSP refused), not an unknown outcome.
 */
function outcomeUnknown(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  if (err.cause instanceof TimeoutFailure) return true;
  return err.retryState === 'TIMEOUT' || err.retryState === 'MAXIMUM_ATTEMPTS_REACHED';
}
