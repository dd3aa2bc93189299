import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { PspPort } from '../../activities/adapters/psp/port';
import { approvals } from '../../client';
import { approvalAuditStream } from '../../workflows/approvals/contract';
import { failure, FailureType } from '../../workflows/shared/failures';
import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';
import { until } from '../support/wait';
import { compensationRequest, decision, uniqueId, useWorkflowClock } from './approvals-support';

const HOUR = 3_600_000;

/**
 * The alternative to an impossible refund under the policy's own rules, on the time-skipping server: auto-approved
 * when the policy auto-approves it, and lapsing at the ladder's deadline like any request finance leaves alone.
 */
describe('compensation approval: the alternative to an impossible refund (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('approvals-refund-alternative');
  const fakes = fakeDeps();
  /** The `reference` of every refund call the PSP refused (one per attempt). */
  const refundCalls: string[] = [];

  beforeAll(async () => {
    env = await timeSkippingEnv();
    useWorkflowClock(() => env.currentTimeMs());
    // Every refund is refused as the Stripe adapter maps a charge too old to refund (nothing made at the PSP).
    const psp: PspPort = {
      ...fakes.psp,
      createRefund: async (i) => {
        refundCalls.push(i.reference);
        throw failure(FailureType.ProviderPermanent, 'createRefund: rejected by PSP (charge_expired_for_refund)', {
          operation: 'createRefund',
          provider: 'stripe',
          statusCode: 400,
          code: 'charge_expired_for_refund',
          requestId: 'req_fake_expired',
        });
      },
    };
    worker = await timeSkippingWorker(env, taskQueue, { ...fakes, psp });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const order = (amountMinor: number) => {
    const o = { orderId: uniqueId('ord'), customerId: uniqueId('cus'), paymentRef: `ch_${uniqueId('t')}` };
    fakes.commerce.addOrder({ ...o, captured: { amountMinor, currency: 'EUR' } });
    fakes.commerce.addCustomer(o.customerId, `${o.customerId}@customers.example`);
    fakes.psp.addPayment(o.paymentRef, { amountMinor, currency: 'EUR' });
    return o;
  };
  const decisionsOf = async (workflowId: string) =>
    (await fakes.audit.list(approvalAuditStream(workflowId))).map((e) => e.data['decision']);

  test('when the policy auto-approves the store credit proposed for an impossible refund, then it is issued without people and no refund is made', async () => {
    const o = order(10_000);
    const input = await compensationRequest({ ...o, remedies: { refund: { kind: 'partial', amountMinor: 2_000 } } });
    const { handle, workflowId } = await approvals.startCompensation(env.client, input, { taskQueue });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'executed', totalMinor: 2_000 });
    const credit = fakes.commerce.credits.get(String(result.execution.alternativeCreditId));
    expect(credit).toMatchObject({ amount: { amountMinor: 2_000 }, status: 'active' });
    expect(result.execution.refundId).toBeUndefined();
    expect(fakes.psp.refunds.filter((r) => r.reference === workflowId)).toHaveLength(0);
    expect(await decisionsOf(workflowId)).toEqual(['auto_approve', 'propose_alternative']);
    // The customer is told of store credit, not of a refund.
    const mail = fakes.notifications.emails.find((m) => m.body.includes(o.orderId));
    expect(mail?.body).toContain('store credit');
    expect(mail?.body).not.toContain('refund of');
  });

  test('when nobody decides on the store credit proposed for an impossible refund, then the request expires at the deadline with the issued credit undone', async () => {
    const o = order(10_000);
    const input = await compensationRequest({
      ...o,
      remedies: { storeCreditMinor: 1_000, refund: { kind: 'partial', amountMinor: 2_000 } },
    });
    const { handle, workflowId } = await approvals.startCompensation(env.client, input, { taskQueue });
    await until(async () => {
      const s = await approvals.getCompensationState(env.client, input.requestId).catch(() => undefined);
      return s?.status === 'pending' ? s : undefined;
    });
    const approved = await approvals.decideCompensation(
      env.client,
      input.requestId,
      'approve',
      await decision('fin-a', 'finance_approver', 3_000),
    );
    expect(approved).toMatchObject({ accepted: true, value: { status: 'approved' } });
    const result = await handle.result();
    // Refused once, never tried again: the refusal is an answer, not a retry.
    expect(refundCalls.filter((r) => r === workflowId)).toHaveLength(1);
    expect(result).toMatchObject({ status: 'expired', execution: { undone: ['store-credit'] } });
    expect(fakes.commerce.credits.get(String(result.execution.storeCreditId))?.status).toBe('revoked');
    expect(result.execution.alternativeCreditId).toBeUndefined();
    const trail = await fakes.audit.list(approvalAuditStream(workflowId));
    expect(trail.map((e) => e.data['decision'])).toEqual([
      'approve',
      'propose_alternative',
      'remind',
      'hand_off',
      'expire',
    ]);
    // The deadline counts from the proposal, the policy's 72 h.
    const proposed = trail.find((e) => e.data['decision'] === 'propose_alternative');
    const expired = trail.find((e) => e.data['decision'] === 'expire');
    expect(Math.round((Date.parse(String(expired?.at)) - Date.parse(String(proposed?.at))) / HOUR)).toBe(72);
  });
});
