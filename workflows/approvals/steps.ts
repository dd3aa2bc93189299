import { CancellationScope, isCancellation } from '@temporalio/workflow';
import { CancelledFailure } from '@temporalio/common';
import { activityProxies } from '../shared/activities';
import { failure, failureCode, FailureType } from '../shared/failures';
import { Saga } from '../shared/saga';
import { idempotencyKey } from '../shared/task-queue';
import type { DecisionRecord } from './contract';
import type { ApprovalActivities } from './contract-activities';
import type { ApprovalCase } from './state';

const { lookup, books, money, notify } = activityProxies<ApprovalActivities>();

/** Appends decision records to the request's audit trail (outside history). */
export type Audit = (record: DecisionRecord) => Promise<unknown>;

/** The audit writer of one request. */
export function auditOf(c: ApprovalCase): Audit {
  return (record) => books.recordApprovalDecision({ workflowId: c.workflowId, orderId: c.request.orderId, record });
}

/** Reads what the policy needs (order, earlier claims, disputes, the agent's spend on `day`) and registers the request. */
export async function readFacts(c: ApprovalCase, day: string) {
  const { request: rq, workflowId } = c;
  const at = new Date(Date.now()).toISOString();
  const input = { workflowId, orderId: rq.orderId, agentId: rq.requester.agentId, currency: rq.currency, day, at };
  return (await lookup.openCompensationCase(input)).facts;
}

/** One escalation mark passed without a decision: remind, hand off to the next tier, or expire; each is announced. */
export async function escalate(c: ApprovalCase, stage: 'remind' | 'hand_off' | 'expire', audit: Audit): Promise<void> {
  const { workflowId } = c;
  if (stage === 'remind') {
    const tier = c.route?.tier ?? 'none';
    await audit(c.remind());
    await notify.publishEvent({
      type: 'approval.reminder',
      dedupeKey: `${workflowId}:remind`,
      data: { workflowId, tier },
    });
  } else if (stage === 'hand_off') {
    const { record, from, to } = c.handOff();
    await audit(record);
    const data = { workflowId, from, to };
    await notify.publishEvent({ type: 'approval.handed_off', dedupeKey: `${workflowId}:hand-off`, data });
  } else {
    const tier = c.route?.tier ?? 'none';
    await audit(c.expire());
    const data = { workflowId, tier, outcome: c.status };
    await notify.publishEvent({ type: 'approval.expired', dedupeKey: `${workflowId}:expire`, data });
  }
}

/** Executes the approved remedies, books them on the order (and the agent's `day`), tells the customer and others. */
export async function carryOut(c: ApprovalCase, day: string): Promise<void> {
  const { request: rq, workflowId } = c;
  const r = c.remedies as NonNullable<typeof c.remedies>;
  const amount = { amountMinor: c.totalMinor ?? 0, currency: rq.currency };
  c.startExecuting();
  c.publish();
  try {
    await executeRemedies(c);
  } catch (err) {
    if (isCancellation(err)) throw err;
    c.failed(failureCode(err));
    const undone = c.execution.undone;
    await CancellationScope.nonCancellable(() =>
      notify.publishEvent({
        type: 'compensation.failed',
        dedupeKey: workflowId,
        data: { workflowId, orderId: rq.orderId, code: c.failure, undone: undone ?? [] },
      }),
    );
    c.publish();
    throw failure(
      FailureType.ProviderPermanent,
      `compensation could not be carried out (${c.failure}); undone: ${undone?.join(', ') || 'nothing'}`,
      { code: c.failure, undone },
    );
  }
  const at = new Date(Date.now()).toISOString();
  await books.recordCompensationExecuted({
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
        c.publish();
      }),
    notify.publishEvent({
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
 * Carries out an approved request. Reversible remedies (store credit, voucher) go first and register their undo;
 * the refund, which cannot be taken back, goes last. Each step runs to completion even if the workflow is cancelled
 * meanwhile (so no issued credit goes unrecorded); a failure or a cancellation then undoes what was done.
 */
async function executeRemedies(c: ApprovalCase): Promise<void> {
  const r = c.remedies;
  if (!r) return;
  const key = (step: string) => idempotencyKey(c.workflowId, step);
  const amount = (amountMinor: number) => ({ amountMinor, currency: c.request.currency });
  const { customerId, orderId } = c.request;
  const reference = c.workflowId;
  const saga = new Saga();
  const step = async <T>(fn: () => Promise<T>): Promise<T> => {
    const out = await CancellationScope.nonCancellable(fn);
    if (CancellationScope.current().consideredCancelled)
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
      const { refundId } = await step(() => money.refundCompensation(refund));
      c.carriedOut({ refundId });
    }
  } catch (err) {
    c.carriedOut({ undone: await saga.compensate() });
    throw err;
  }
}
