import type { Signed } from '../../client/commands';
import type { Client, Connection } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createHttpCommerce } from '../../activities/adapters/commerce/http-commerce';
import { approvals } from '../../client';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import {
  compensationWorkflowId,
  orderAuditStream,
  type CompensationRequestCommand,
} from '../../workflows/approvals/contract';
import { buildDependencies } from '../../workers/dependencies';
import type { AppConfig } from '../../workers/config';
import { recordHistoryIfAsked } from '../support/histories';
import { testClient, testConfig, testWorker, waitForEvent } from '../support/stack';
import { until } from '../support/wait';
import { commerceState, compensationRequest, seedOrder, signer, uniqueId } from './approvals-support';

/** Money invariants of compensations under races and faults, counted at the sandboxes and in the audit trail. */
describe('compensation approval: races and faults (dev server)', () => {
  let psp: PspSandbox;
  let commerce: CommerceSandbox;
  let config: AppConfig;
  let deps: ActivityDeps;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let client: Client;
  let connection: Connection;
  let running: Promise<void>;
  /** Refunds whose `reference` is listed here wait at the PSP door until the test opens it. */
  const gates = new Map<string, { entered: () => void; open: Promise<void> }>();

  beforeAll(async () => {
    [psp, commerce] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }),
      startCommerceSandbox({ port: 0 }),
    ]);
    config = testConfig({ PSP_API_BASE: psp.url });
    const real = buildDependencies(config, { commerce: createHttpCommerce({ apiBase: commerce.url }) });
    const createRefund: ActivityDeps['psp']['createRefund'] = async (i) => {
      const gate = gates.get(i.reference);
      if (gate) {
        gate.entered();
        await gate.open;
      }
      return real.psp.createRefund(i);
    };
    deps = { ...real, psp: { ...real.psp, createRefund } };
    ({ worker, connection: workerConnection } = await testWorker(config, deps));
    running = worker.run();
    ({ client, connection } = await testClient(config));
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
    await Promise.all([psp?.stop(), commerce?.stop()]);
  });

  const urls = () => ({ psp: psp.url, commerce: commerce.url });
  const start = async (input: Signed<CompensationRequestCommand>) =>
    approvals.startCompensation(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE });
  /** Polls the query until the request reaches one of `states` (a condition, not a timing). */
  const settle = async (requestId: string, states: string[]) => {
    let last: approvals.CompensationStatus | undefined;
    return until(
      async () => {
        last = await approvals.getCompensationState(client, requestId).catch(() => undefined);
        return last && states.includes(last.status) ? last : undefined;
      },
      60_000,
      () => `${requestId} in ${states.join('/')} (last: ${last?.status ?? 'no answer'})`,
    );
  };
  const activeCredits = async (workflowIds: string[]) =>
    (await commerceState(commerce.url)).credits.filter(
      (c) => workflowIds.includes(c.reference) && c.status === 'active',
    );

  test('when one agent files requests in parallel whose sum exceeds the daily budget, then at most the budget is auto-approved', async () => {
    const agent = { agentId: uniqueId('agent'), role: 'cs_agent' as const };
    // Policy 2025-06.1: auto-approval up to 2 500, agent budget 20 000 a day; ten requests of 2 500 ask for 25 000.
    const inputs = await Promise.all(
      Array.from(
        { length: 10 },
        async () =>
          await compensationRequest({
            ...(await seedOrder(urls(), 10_000)),
            requester: agent,
            remedies: { storeCreditMinor: 2_500 },
          }),
      ),
    );
    const started = await Promise.all(inputs.map(start));
    const states = await Promise.all(inputs.map((i) => settle(i.requestId, ['executed', 'pending', 'failed'])));
    const credits = await activeCredits(started.map((s) => s.workflowId));
    expect(credits.reduce((sum, c) => sum + c.amountMinor, 0)).toBeLessThanOrEqual(20_000);
    expect(states.filter((s) => s.status === 'executed')).toHaveLength(credits.length);
    expect(credits).toHaveLength(8);
    const executed = states.find((s) => s.status === 'executed');
    if (executed)
      await recordHistoryIfAsked(
        client.workflow.getHandle(compensationWorkflowId(executed.requestId)),
        'compensation-approval-auto-v3',
      );
    const waiting = states.filter((s) => s.status === 'pending');
    expect(waiting.every((s) => s.flags.includes('agent_budget_exceeded'))).toBe(true);
    await Promise.all(waiting.map((s) => client.workflow.getHandle(compensationWorkflowId(s.requestId)).cancel()));
  });

  test('when one agent amends waiting requests down to the auto-approval threshold, then at most the budget is executed and the rest await finance', async () => {
    const agent = { agentId: uniqueId('agent'), role: 'cs_agent' as const };
    // Policy 2025-06.1: 30.00 needs finance; 25.00 is auto-approved while the agent's day (200.00) allows.
    const inputs = await Promise.all(
      Array.from(
        { length: 12 },
        async () =>
          await compensationRequest({
            ...(await seedOrder(urls(), 10_000)),
            requester: agent,
            remedies: { storeCreditMinor: 3_000 },
          }),
      ),
    );
    const started = await Promise.all(inputs.map(start));
    await Promise.all(inputs.map((i) => settle(i.requestId, ['pending'])));
    const sign = signer(agent.agentId, [agent.role]);
    const verdicts = await Promise.all(
      inputs.map((i) =>
        approvals.amendCompensation(client, i.requestId, {
          sign,
          remedies: { storeCreditMinor: 2_500 },
          reason: 'customer accepted',
        }),
      ),
    );
    expect(verdicts.every((v) => v.accepted)).toBe(true);
    const states = await Promise.all(inputs.map((i) => settle(i.requestId, ['executed', 'pending', 'failed'])));
    const credits = await activeCredits(started.map((s) => s.workflowId));
    expect(credits.reduce((sum, c) => sum + c.amountMinor, 0)).toBeLessThanOrEqual(20_000);
    expect(credits).toHaveLength(8);
    expect(states.filter((s) => s.status === 'executed')).toHaveLength(8);
    const waiting = states.filter((s) => s.status === 'pending');
    expect(waiting).toHaveLength(4);
    expect(waiting.every((s) => s.flags.includes('agent_budget_exceeded') && s.totalMinor === 2_500)).toBe(true);
    const amended = states.find((s) => s.status === 'executed');
    if (amended)
      await recordHistoryIfAsked(
        client.workflow.getHandle(compensationWorkflowId(amended.requestId)),
        'compensation-approval-amend-budget',
      );
    await Promise.all(waiting.map((s) => client.workflow.getHandle(compensationWorkflowId(s.requestId)).cancel()));
  });

  test('when a compensation is executed, then its bookkeeping, decision audits and executed event are retried with no limit (an outage of any length cannot fail the request)', async () => {
    const input = await compensationRequest({
      ...(await seedOrder(urls(), 10_000)),
      remedies: { storeCreditMinor: 500 },
    });
    const { handle } = await start(input);
    expect(await handle.result()).toMatchObject({ status: 'executed' });
    const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      if (!a) return [];
      const limitS = Number(a.scheduleToCloseTimeout?.seconds ?? 0);
      return [{ name: String(a.activityType?.name), limitS, attempts: a.retryPolicy?.maximumAttempts ?? 0 }];
    });
    const after = ['recordApprovalDecision', 'recordCompensationExecuted', 'publishEvent'];
    const writes = scheduled.filter((a) => after.includes(a.name));
    expect(writes.map((a) => a.name).sort()).toEqual([...after].sort());
    // 0 = no schedule-to-close and no attempt limit: retried (backing off to 5 min) until the store or SNS answers.
    expect(writes.map((a) => [a.name, a.limitS, a.attempts])).toEqual(writes.map((a) => [a.name, 0, 0]));
  });

  test('when two requests for one order start together, then at most one is auto-approved and the other is a repeat claim', async () => {
    const order = await seedOrder(urls(), 10_000);
    const inputs = await Promise.all(
      [1, 2, 3].map(() => compensationRequest({ ...order, remedies: { storeCreditMinor: 1_000 } })),
    );
    const started = await Promise.all(inputs.map(start));
    const states = await Promise.all(inputs.map((i) => settle(i.requestId, ['executed', 'pending', 'failed'])));
    expect(await activeCredits(started.map((s) => s.workflowId))).toHaveLength(1);
    const waiting = states.filter((s) => s.status === 'pending');
    expect(waiting).toHaveLength(2);
    expect(waiting.every((s) => s.flags.includes('repeat_claim'))).toBe(true);
    await Promise.all(waiting.map((s) => client.workflow.getHandle(compensationWorkflowId(s.requestId)).cancel()));
  });

  test('when the request is cancelled while the PSP refund runs, then nothing is undone and the compensation is executed', async () => {
    const order = await seedOrder(urls(), 10_000);
    const input = await compensationRequest({
      ...order,
      remedies: { storeCreditMinor: 500, voucherMinor: 500, refund: { kind: 'partial', amountMinor: 1_000 } },
    });
    let entered!: () => void;
    let open!: () => void;
    const inRefund = new Promise<void>((r) => (entered = r));
    const workflowId = compensationWorkflowId(input.requestId);
    gates.set(workflowId, { entered, open: new Promise<void>((r) => (open = r)) });
    const { handle } = await start(input);
    expect(handle.workflowId).toBe(workflowId);
    await inRefund;
    await handle.cancel();
    // The cancellation is delivered once a workflow task completes after the request (awaited, not slept).
    await until(
      async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const asked = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
        return asked >= 0 && events.slice(asked).some((e) => e.workflowTaskCompletedEventAttributes) ? true : undefined;
      },
      30_000,
      'a workflow task completed after the cancel request',
    );
    open();

    const result = await handle.result();
    expect(result.status).toBe('executed');
    const state = await commerceState(commerce.url);
    expect(state.credits.find((c) => c.creditId === result.execution.storeCreditId)?.status).toBe('active');
    expect(state.vouchers.find((v) => v.voucherId === result.execution.voucherId)?.status).toBe('active');
    expect(state.orders.find((o) => o.orderId === order.orderId)?.refundedMinor).toBe(1_000);
    const calls = (await (await fetch(`${psp.url}/__admin/calls`)).json()) as {
      calls: Array<{ path: string; idempotencyKey: string | null; status: number }>;
    };
    const refunds = calls.calls.filter((c) => c.path === '/v1/refunds' && c.idempotencyKey === `${workflowId}:refund`);
    expect(new Set(refunds.filter((c) => c.status < 300).map((c) => c.idempotencyKey)).size).toBe(1);
    const orderEvents = await deps.audit.list(orderAuditStream(order.orderId));
    expect(orderEvents.filter((e) => e.type === 'compensation.executed')).toHaveLength(1);
    await waitForEvent(config, (e) => e.type === 'compensation.executed' && e.dedupeKey === workflowId);
    await recordHistoryIfAsked(handle, 'compensation-approval-cancel-after-refund');
  });

  test('when the refund fails and one undo fails too, then every other undo still runs and the original failure surfaces', async () => {
    const order = await seedOrder(urls(), 20_000, { paymentRef: 'ch_does_not_exist' });
    const input = await compensationRequest({
      ...order,
      remedies: { storeCreditMinor: 500, voucherMinor: 500, refund: { kind: 'partial', amountMinor: 1_000 } },
    });
    await fetch(`${commerce.url}/__admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rejectNext: { void: 1 } }),
    });
    const { handle } = await start(input);
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    const status = await approvals.getCompensationState(client, input.requestId);
    // The voucher's void was refused (injected); the store credit is revoked all the same.
    const state = await commerceState(commerce.url);
    expect(state.credits.find((c) => c.creditId === status.execution.storeCreditId)?.status).toBe('revoked');
    expect(state.vouchers.find((v) => v.voucherId === status.execution.voucherId)?.status).toBe('active');
    expect(status.status).toBe('failed');
    expect(status.failure).not.toBe('rejected_by_commerce');
    expect(status.execution).toMatchObject({
      undone: ['store-credit'],
      undoFailed: [{ step: 'voucher', code: 'rejected_by_commerce' }],
    });
    expect(cause.type).toBe('ProviderPermanent');
    expect(cause.message).toContain(`(${status.failure})`);
    expect(cause.message).toContain('voucher (rejected_by_commerce)');
    await recordHistoryIfAsked(handle, 'compensation-approval-undo-failed');
  });
});
