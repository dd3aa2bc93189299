import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import { CancelledFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import { ActivityPresets } from '../shared/activity-options';
import { Saga } from '../shared/saga';
import { idempotencyKey } from '../shared/task-queue';
import type { ApprovalCase } from './approval-case';

const money = proxyActivities<Activities>(ActivityPresets.moneyMovement);

/**
 * Carries out an approved request. Reversible remedies (store credit, voucher) go first and register their undo;
 * the refund, which cannot be taken back, goes last. Each step runs to completion even if the workflow is cancelled
 * meanwhile (so no issued credit goes unrecorded); a failure or a cancellation then undoes what was done.
 */
export async function executeRemedies(c: ApprovalCase): Promise<void> {
  const r = c.remedies;
  if (!r) return;
  const key = (step: string) => idempotencyKey(c.workflowId, step);
  const amount = (amountMinor: number) => ({ amountMinor, currency: c.request.currency });
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
      const { creditId } = await step(() =>
        money.issueCompensationStoreCredit({
          idempotencyKey: key('store-credit'),
          customerId: c.request.customerId,
          amount: amount(r.storeCreditMinor),
          reference,
        }),
      );
      c.execution.storeCreditId = creditId;
      saga.add('store-credit', () =>
        money.revokeCompensationStoreCredit({ idempotencyKey: key('revoke-store-credit'), creditId }),
      );
    }
    if (r.voucherMinor > 0) {
      const { voucherId } = await step(() =>
        money.issueCompensationVoucher({
          idempotencyKey: key('voucher'),
          customerId: c.request.customerId,
          amount: amount(r.voucherMinor),
          reference,
        }),
      );
      c.execution.voucherId = voucherId;
      saga.add('voucher', () => money.voidCompensationVoucher({ idempotencyKey: key('void-voucher'), voucherId }));
    }
    if (r.refundMinor > 0) {
      const { refundId } = await step(() =>
        money.refundCompensation({
          idempotencyKey: key('refund'),
          orderId: c.request.orderId,
          amount: amount(r.refundMinor),
          reference,
        }),
      );
      c.execution.refundId = refundId;
    }
  } catch (err) {
    c.execution.undone = await saga.compensate();
    throw err;
  }
}
