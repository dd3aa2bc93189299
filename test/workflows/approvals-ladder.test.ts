import type { Signed } from '../../client/commands';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { approvals } from '../../client';
import { approvalAuditStream, type CompensationRequestCommand } from '../../workflows/approvals/contract';
import { recordHistoryIfAsked } from '../support/histories';
import { fakeDeps, timeSkippingEnv, timeSkippingWorker } from '../support/time-skipping';
import { compensationRequest, decision, uniqueId, useWorkflowClock } from './approvals-support';

const HOUR = 3_600_000;

/** The escalation ladder on the time-skipping server: hours pass in milliseconds, timers are the real durable ones. */
describe('compensation approval: escalation ladder (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `approvals-ladder-${Date.now()}`;
  const fakes = fakeDeps();
  const snsDownFor = new Set<string>();

  beforeAll(async () => {
    env = await timeSkippingEnv();
    // The server's clock runs far ahead of the wall clock once it skips: tokens must be valid in workflow time.
    useWorkflowClock(() => env.currentTimeMs());
    // SNS refuses every event about the requests in `snsDownFor` (the other requests publish as usual).
    const publishEvent: typeof fakes.notifications.publishEvent = async (e) => {
      if (snsDownFor.has(String(e.data['workflowId']))) throw new Error('SNS unavailable');
      return fakes.notifications.publishEvent(e);
    };
    worker = await timeSkippingWorker(env, taskQueue, {
      ...fakes,
      notifications: { ...fakes.notifications, publishEvent },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  /** Starts a request; commands address it by its `requestId`. */
  const start = async (input: Signed<CompensationRequestCommand>) => ({
    ...(await approvals.startCompensation(env.client, input, { taskQueue })),
    requestId: input.requestId,
  });
  const order = (amountMinor: number) => {
    const o = { orderId: uniqueId('ord'), customerId: uniqueId('cus'), paymentRef: `ch_${uniqueId('t')}` };
    fakes.commerce.addOrder({ ...o, captured: { amountMinor, currency: 'EUR' } });
    fakes.commerce.addCustomer(o.customerId, `${o.customerId}@customers.example`);
    fakes.psp.addPayment(o.paymentRef, { amountMinor, currency: 'EUR' });
    return o;
  };
  /** Offsets of the ladder's audit entries from the moment the request started waiting, in hours (to the minute). */
  const ladder = async (workflowId: string, since: string) =>
    (await fakes.audit.list(approvalAuditStream(workflowId)))
      .filter((e) => e.data['via'] === 'timer')
      .map((e) => [e.data['decision'], Math.round((Date.parse(e.at) - Date.parse(since)) / 60_000) / 60]);

  test('when nobody decides, then a reminder at 4 h, a hand-off to the next tier at 24 h and expiry at 72 h follow', async () => {
    const o = order(50_000);
    const { handle, workflowId, requestId } = await start(
      await compensationRequest({ ...o, remedies: { storeCreditMinor: 15_000 } }),
    );
    const pending = await waitFor(
      () => approvals.getCompensationState(env.client, requestId),
      (s) => s.status === 'pending',
    );
    const since = pending.awaiting?.since as string;
    expect(Date.parse(pending.awaiting?.nextStageAt as string) - Date.parse(since)).toBe(4 * HOUR);
    expect(Date.parse(pending.awaiting?.expiresAt as string) - Date.parse(since)).toBe(72 * HOUR);

    const result = await handle.result();
    expect(result.status).toBe('expired');
    expect(await ladder(workflowId, since)).toEqual([
      ['remind', 4],
      ['hand_off', 24],
      ['expire', 72],
    ]);
    const events = fakes.notifications.events.filter((e) => e.data['workflowId'] === workflowId);
    expect(events.map((e) => [e.type, e.data['tier'] ?? `${String(e.data['from'])}->${String(e.data['to'])}`])).toEqual(
      [
        ['approval.reminder', 'finance'],
        ['approval.handed_off', 'finance->finance_manager'],
        ['approval.expired', 'finance_manager'],
      ],
    );
    expect(
      fakes.commerce.calls.some((c) => c.method === 'issueStoreCredit' && c.idempotencyKey?.startsWith(workflowId)),
    ).toBe(false);
    await recordHistoryIfAsked(handle, 'compensation-approval-expiry');
  });

  test('when the request was handed off, then the old tier may no longer approve and the new tier can', async () => {
    const o = order(50_000);
    const { handle, requestId } = await start(
      await compensationRequest({ ...o, remedies: { storeCreditMinor: 15_000 } }),
    );
    await waitFor(
      () => approvals.getCompensationState(env.client, requestId),
      (s) => s.status === 'pending',
    );
    await env.sleep(25 * HOUR);
    const handedOff = await approvals.getCompensationState(env.client, requestId);
    expect(handedOff.awaiting).toMatchObject({
      tier: 'finance_manager',
      minRole: 'finance_manager',
      nextStage: 'expire',
    });

    expect(
      await approvals.decideCompensation(
        env.client,
        requestId,
        'approve',
        await decision('fin-1', 'finance_approver', 15_000),
      ),
    ).toMatchObject({ accepted: false, code: 'role_below_tier' });
    expect(
      await approvals.decideCompensation(
        env.client,
        requestId,
        'approve',
        await decision('mgr-1', 'finance_manager', 15_000),
      ),
    ).toMatchObject({ accepted: true, value: { status: 'approved' } });
    expect(await handle.result()).toMatchObject({ status: 'executed' });
    expect(fakes.commerce.credits.get(String((await handle.result()).execution.storeCreditId))?.status).toBe('active');
    expect(fakes.notifications.emails.map((e) => e.to)).toContain(`${o.customerId}@customers.example`);
  });

  test('when SNS refuses the ladder announcements, then the request still climbs and expires on time (the announcements are given up, not the request)', async () => {
    const o = order(50_000);
    const input = await compensationRequest({ ...o, remedies: { storeCreditMinor: 15_000 } });
    snsDownFor.add(`compensation-${input.requestId}`);
    const { handle, workflowId } = await start(input);
    expect(await handle.result()).toMatchObject({ status: 'expired' });
    const stages = (await fakes.audit.list(approvalAuditStream(workflowId)))
      .filter((e) => e.data['via'] === 'timer')
      .map((e) => e.data['decision']);
    expect(stages).toEqual(['remind', 'hand_off', 'expire']);
    expect(fakes.notifications.events.filter((e) => e.data['workflowId'] === workflowId)).toEqual([]);
  });

  test('when a start names a policy version other than the one in effect, then it is refused naming policyVersion before anything is read', async () => {
    const o = order(50_000);
    const { handle } = await start(
      await compensationRequest({ ...o, policyVersion: '2025-09.1', remedies: { voucherMinor: 5_000 } }),
    );
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message).toContain('policyVersion: 2025-09.1 is not the policy in effect (2025-06.1)');
    expect(cause.details?.[0]).toMatchObject({ code: 'policy_not_in_effect', field: 'policyVersion' });
    const activities = ((await handle.fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes,
    );
    expect(activities).toHaveLength(0);
  });

  test('when a start leaves the policy version out, then the version in effect is applied and recorded', async () => {
    const o = order(50_000);
    const { handle, workflowId } = await start(await compensationRequest({ ...o, remedies: { voucherMinor: 1_000 } }));
    expect(await handle.result()).toMatchObject({ status: 'executed', policyVersion: '2025-06.1' });
    const audit = await fakes.audit.list(approvalAuditStream(workflowId));
    expect(audit[0]?.data).toMatchObject({ decision: 'auto_approve', policyVersion: '2025-06.1' });
  });
});

/** Polls a query until the predicate holds (bounded); each poll is a round-trip, not a timed sleep. */
async function waitFor<T>(read: () => Promise<T>, predicate: (v: T) => boolean, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && predicate(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}
