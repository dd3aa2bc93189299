import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PspPort } from '../../activities/adapters/psp/port';
import { approvals } from '../../client';
import { buildDependencies } from '../../workers/dependencies';
import { recordHistoryIfAsked } from '../support/histories';
import { testConfig } from '../support/stack';
import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';
import { compensationRequest, uniqueId, useWorkflowClock } from './approvals-support';

/**
 * A compensation whose PSP refund never answers within its retry window (24 h, skipped): the outcome is unknown, so
 * the refund is looked up at the PSP by its reference before credit and voucher are undone.
 */
describe('compensation approval when the refund outcome is unknown (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
    useWorkflowClock(() => env.currentTimeMs());
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** Runs one auto-approved request (credit 5.00, voucher 5.00, refund 10.00) whose refund calls all hang up. */
  async function runWithSilentPsp(commitsFirst: boolean) {
    const fakes = fakeDeps();
    let calls = 0;
    // The PSP commits the first refund call (or not), then answers nothing but connection errors.
    const psp: PspPort = {
      ...fakes.psp,
      createRefund: async (i) => {
        if (++calls === 1 && commitsFirst) await fakes.psp.createRefund(i);
        throw new Error('socket hang up');
      },
    };
    const order = { orderId: uniqueId('ord'), customerId: uniqueId('cus'), paymentRef: `ch_${uniqueId('t')}` };
    fakes.commerce.addOrder({ ...order, captured: { amountMinor: 10_000, currency: 'EUR' } });
    fakes.commerce.addCustomer(order.customerId, `${order.customerId}@customers.example`);
    fakes.psp.addPayment(order.paymentRef, { amountMinor: 10_000, currency: 'EUR' });
    const taskQueue = uniqueId('approvals-refund-unknown');
    const worker = await timeSkippingWorker(env, taskQueue, buildDependencies(testConfig(), { ...fakes, psp }));
    const input = await compensationRequest({
      ...order,
      remedies: { storeCreditMinor: 500, voucherMinor: 500, refund: { kind: 'partial', amountMinor: 1_000 } },
    });
    const outcome = await worker.runUntil(async () => {
      const { handle } = await approvals.startCompensation(env.client, input, { taskQueue });
      const result = await handle.result().catch((e: unknown) => e);
      if (commitsFirst) await recordHistoryIfAsked(handle, 'compensation-approval-refund-found');
      return { result, status: await approvals.getCompensationState(env.client, input.requestId) };
    });
    return { ...outcome, fakes, calls: () => calls, order };
  }

  test('when the refund retries run out but the PSP made the refund, then it counts as done: nothing is undone and the compensation is executed', async () => {
    const { result, status, fakes, calls, order } = await runWithSilentPsp(true);
    expect(calls()).toBeGreaterThan(1);
    expect(result).toMatchObject({ status: 'executed' });
    expect(status.execution.refundId).toBe(fakes.psp.refunds[0]?.refundId);
    expect(fakes.psp.refunds).toHaveLength(1);
    expect(fakes.psp.calls.some((c) => c.method === 'findRefund')).toBe(true);
    expect(fakes.commerce.credits.get(String(status.execution.storeCreditId))?.status).toBe('active');
    expect(fakes.commerce.vouchers.get(String(status.execution.voucherId))?.status).toBe('active');
    // The refund found is recorded on the order, like one the activity made.
    expect((await fakes.commerce.getOrder(order.orderId)).refundedMinor).toBe(1_000);
  }, 120_000);

  test('when the refund retries run out and the PSP has no refund, then credit and voucher are undone and the request fails', async () => {
    const { result, status, fakes } = await runWithSilentPsp(false);
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(fakes.psp.refunds).toHaveLength(0);
    expect(fakes.psp.calls.some((c) => c.method === 'findRefund')).toBe(true);
    expect(status).toMatchObject({ status: 'failed', execution: { undone: ['voucher', 'store-credit'] } });
    expect(fakes.commerce.credits.get(String(status.execution.storeCreditId))?.status).toBe('revoked');
    expect(fakes.commerce.vouchers.get(String(status.execution.voucherId))?.status).toBe('void');
  }, 120_000);
});
