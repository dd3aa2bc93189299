import type { Signed } from '../../client/commands';
import type { Client, Connection } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createHttpCommerce } from '../../activities/adapters/commerce/http-commerce';
import { approvals } from '../../client';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import {
  approveCompensationSignal,
  orderAuditStream,
  type CompensationRequestCommand,
} from '../../workflows/approvals/contract';
import { buildDependencies } from '../../workers/dependencies';
import { SA } from '../../workflows/shared/search-attributes';
import type { AppConfig } from '../../workers/config';
import { decodedHistoryText } from '../support/codec';
import { recordHistoryIfAsked } from '../support/histories';
import { until } from '../support/wait';
import { testClient, testConfig, testWorker, waitForEvent } from '../support/stack';
import { commerceState, compensationRequest, decision, seedOrder, signer, uniqueId } from './approvals-support';

/** Finance decisions on the real dev server, with the PSP and commerce sandboxes and DynamoDB/SNS on moto. */
describe('compensation approval: decisions (dev server)', () => {
  let psp: PspSandbox;
  let commerce: CommerceSandbox;
  let config: AppConfig;
  let deps: ActivityDeps;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let client: Client;
  let connection: Connection;
  let running: Promise<void>;
  const emails: Array<{ to: string; subject: string; body: string }> = [];

  beforeAll(async () => {
    [psp, commerce] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }),
      startCommerceSandbox({ port: 0 }),
    ]);
    config = testConfig({ PSP_API_BASE: psp.url });
    const real = buildDependencies(config, { commerce: createHttpCommerce({ apiBase: commerce.url }) });
    deps = {
      ...real,
      notifications: {
        ...real.notifications,
        sendEmail: async (i) => {
          emails.push(i);
          return real.notifications.sendEmail(i);
        },
      },
    };
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
  /** Starts a request; commands address it by its `requestId`. */
  const start = async (input: Signed<CompensationRequestCommand>) => ({
    ...(await approvals.startCompensation(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE })),
    requestId: input.requestId,
  });
  /** Polls the query until the request reaches `status` (a condition, not a timing); fails naming where it stopped. */
  const waitForStatus = async (requestId: string, status: string) => {
    let last: approvals.CompensationStatus | undefined;
    return until(
      async () => {
        last = await approvals.getCompensationState(client, requestId).catch(() => undefined);
        return last?.status === status ? last : undefined;
      },
      30_000,
      () => `${requestId} ${status} (last: ${last?.status ?? 'no answer'})`,
    );
  };

  test('when the total is under the threshold, then it is auto-approved, carried out, audited and the customer is told', async () => {
    const order = await seedOrder(urls(), 10_000);
    const { handle, workflowId, requestId } = await start(
      await compensationRequest({ ...order, remedies: { storeCreditMinor: 1_000, voucherMinor: 1_000 } }),
    );
    const again = await start(
      await compensationRequest({
        ...order,
        requestId,
        remedies: { storeCreditMinor: 1_000, voucherMinor: 1_000 },
      }),
    );
    expect((await again.handle.describe()).runId).toBe((await handle.describe()).runId);

    const result = await handle.result();
    expect(result).toMatchObject({
      status: 'executed',
      totalMinor: 2_000,
      currency: 'EUR',
      policyVersion: '2025-06.1',
    });

    const state = await commerceState(commerce.url);
    const voucher = state.vouchers.find((v) => v.voucherId === result.execution.voucherId);
    expect(state.credits.find((c) => c.creditId === result.execution.storeCreditId)?.status).toBe('active');
    expect(voucher?.status).toBe('active');
    const email = emails.find((e) => e.to === order.email);
    expect(email?.body).toContain(voucher?.code);
    // Payloads are encrypted: read the history as the codec server decodes it.
    const historyText = await decodedHistoryText(handle, config);
    expect(historyText).toContain(order.customerId);
    expect(historyText).not.toContain(order.email);
    expect(historyText).not.toContain(String(voucher?.code));

    const decisions = await deps.audit.list(`approval:${workflowId}`);
    expect(decisions.map((e) => e.type)).toEqual(['approval.auto_approve']);
    expect(decisions[0]?.data).toMatchObject({
      actorId: 'policy',
      amountMinor: 2_000,
      currency: 'EUR',
      policyVersion: '2025-06.1',
    });
    const orderEvents = await deps.audit.list(orderAuditStream(order.orderId));
    expect(orderEvents.find((e) => e.type === 'compensation.executed')?.data).toEqual({
      workflowId,
      amountMinor: 2_000,
      currency: 'EUR',
    });
    await waitForEvent(config, (e) => e.type === 'compensation.executed' && e.dedupeKey === workflowId);

    const repeat = await start(
      await compensationRequest({
        ...order,
        requestId,
        remedies: { storeCreditMinor: 1_000, voucherMinor: 1_000 },
      }),
    );
    expect(repeat.existing).toBe(true);
    await recordHistoryIfAsked(handle, 'compensation-approval-auto');
  });

  test('when one finance approver approves by update, then the refund goes through the PSP with a per-step idempotency key', async () => {
    const order = await seedOrder(urls(), 50_000);
    const { handle, workflowId, requestId } = await start(
      await compensationRequest({ ...order, remedies: { refund: { kind: 'partial', amountMinor: 10_000 } } }),
    );
    const pending = await waitForStatus(requestId, 'pending');
    expect(pending.awaiting).toMatchObject({
      tier: 'finance',
      minRole: 'finance_approver',
      approvalsRequired: 1,
      nextStage: 'remind',
    });
    // Visibility is eventually consistent: listed once it has indexed the request.
    const row = await until(
      async () =>
        (await approvals.listCompensations(client, { tier: 'finance' })).find((r) => r.workflowId === workflowId),
      30_000,
      `${workflowId} listed in the finance approvals`,
    );
    expect(row).toMatchObject({ orderId: order.orderId, amountMinor: 10_000, currency: 'EUR' });
    expect(row.deadlineAt?.toISOString()).toBe(pending.awaiting?.nextStageAt);
    expect(row.awaitingSince?.toISOString()).toBe(pending.awaiting?.since);

    const verdict = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('fin-1', 'finance_approver', 10_000),
    );
    expect(verdict).toEqual({
      accepted: true,
      value: { seq: 1, status: 'approved', approvalsReceived: 1, approvalsRequired: 1, policyVersion: '2025-06.1' },
    });
    const result = await handle.result();
    expect(result.status).toBe('executed');

    const calls = (await (await fetch(`${psp.url}/__admin/calls`)).json()) as {
      calls: Array<{ path: string; idempotencyKey: string | null }>;
    };
    expect(calls.calls.filter((c) => c.path === '/v1/refunds').map((c) => c.idempotencyKey)).toContain(
      `${workflowId}:refund`,
    );
    expect((await commerceState(commerce.url)).orders.find((o) => o.orderId === order.orderId)?.refundedMinor).toBe(
      10_000,
    );
    const audit = await deps.audit.list(`approval:${workflowId}`);
    expect(audit.map((e) => [e.type, e.data['actorId'], e.data['role'], e.data['accepted']])).toEqual([
      ['approval.approve', 'fin-1', 'finance_approver', true],
    ]);
    await recordHistoryIfAsked(handle, 'compensation-approval-one-approver');
  });

  test('when dual control is needed, then self-approval, a role below the tier and a second vote are refused before history, and two managers approve', async () => {
    const order = await seedOrder(urls(), 400_000);
    const requester = { agentId: 'lead-3', role: 'cs_lead' as const };
    const { handle, requestId } = await start(
      await compensationRequest({ ...order, requester, remedies: { refund: { kind: 'full' } } }),
    );
    await waitForStatus(requestId, 'pending');

    const self = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('lead-3', 'finance_manager', 400_000),
    );
    const low = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('fin-1', 'finance_approver', 400_000),
    );
    const first = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('mgr-1', 'finance_manager', 400_000),
    );
    const twice = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('mgr-1', 'finance_manager', 400_000),
    );
    const stale = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('mgr-2', 'finance_manager', 300_000),
    );
    expect(self).toMatchObject({ accepted: false, type: 'PolicyViolation', code: 'self_approval' });
    expect(low).toMatchObject({ accepted: false, type: 'PolicyViolation', code: 'role_below_tier' });
    expect(first).toMatchObject({
      accepted: true,
      value: { status: 'pending', approvalsReceived: 1, approvalsRequired: 2 },
    });
    expect(twice).toMatchObject({ accepted: false, type: 'Conflict', code: 'duplicate_vote' });
    expect(stale).toMatchObject({ accepted: false, type: 'Conflict', code: 'amount_changed' });

    const second = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('mgr-2', 'finance_manager', 400_000),
    );
    expect(second).toMatchObject({ accepted: true, value: { status: 'approved', approvalsReceived: 2 } });
    expect((await handle.result()).status).toBe('executed');

    const history = await handle.fetchHistory();
    const accepted = history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
    expect(accepted).toHaveLength(2);
    await recordHistoryIfAsked(handle, 'compensation-approval-two-approvers');
  });

  // A decision is signed for a run, so it is sent once the start has named one (no signal-with-start): it may still
  // arrive while the request is being evaluated.
  test('when a decision is signalled right after the start, then it is not lost and counts once the request waits', async () => {
    const order = await seedOrder(urls(), 50_000);
    const input = await compensationRequest({ ...order, remedies: { storeCreditMinor: 5_000 } });
    const { handle } = await start(input);
    await approvals.signalCompensationDecision(
      client,
      input.requestId,
      'approve',
      await decision('fin-9', 'finance_approver', 5_000),
    );
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'executed', totalMinor: 5_000 });
    const status = await approvals.getCompensationState(client, input.requestId);
    expect(status.decisions).toEqual([
      expect.objectContaining({ seq: 1, actorId: 'fin-9', decision: 'approve', via: 'signal', accepted: true }),
    ]);
    await recordHistoryIfAsked(handle, 'compensation-approval-early-signal');
  });

  test('when an invalid decision is signalled, then it is recorded as refused and changes nothing; a valid rejection ends the request', async () => {
    const order = await seedOrder(urls(), 50_000);
    const { handle, workflowId, requestId } = await start(
      await compensationRequest({
        ...order,
        requester: { agentId: 'agent-7', role: 'cs_agent' },
        remedies: { voucherMinor: 8_000 },
      }),
    );
    await waitForStatus(requestId, 'pending');
    await approvals.signalCompensationDecision(
      client,
      requestId,
      'approve',
      await decision('agent-7', 'finance_manager', 8_000),
    );
    await handle.signal(approveCompensationSignal, { approverId: 'x', role: 'nobody' } as never);
    await approvals.signalCompensationDecision(
      client,
      requestId,
      'reject',
      await decision('fin-2', 'finance_approver', 8_000, 'customer already got a replacement'),
    );
    const result = await handle.result();
    expect(result.status).toBe('rejected');

    const status = await approvals.getCompensationState(client, requestId);
    // Signals that land in one workflow task may be recorded in either order; what matters is each verdict.
    const byRefusal = (a: unknown[], b: unknown[]) => String(a[2]).localeCompare(String(b[2]));
    expect(status.decisions.map((d) => [d.decision, d.accepted, d.refusal]).sort(byRefusal)).toEqual([
      ['approve', false, 'invalid_input'],
      ['approve', false, 'self_approval'],
      ['reject', true, undefined],
    ]);
    const audit = await deps.audit.list(`approval:${workflowId}`);
    expect(audit.map((e) => e.data['refusal'] ?? 'ok').sort()).toEqual(['invalid_input', 'ok', 'self_approval']);
    expect(result.execution).toEqual({});
  });

  test('when the refund exceeds what was captured, then the policy rejects the request with a typed failure', async () => {
    const order = await seedOrder(urls(), 5_000);
    const { handle } = await start(
      await compensationRequest({ ...order, remedies: { refund: { kind: 'partial', amountMinor: 6_000 } } }),
    );
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('PolicyViolation');
    expect((cause as ApplicationFailure).message).toMatch(/^refund_exceeds_captured: refund of 6000 exceeds the 5000/);
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(SA.ApprovalState)).toBe('rejected');
  });

  test('when the PSP refund fails after store credit was issued, then the store credit is revoked and the request fails', async () => {
    const order = await seedOrder(urls(), 20_000, { paymentRef: 'ch_does_not_exist' });
    const { handle, workflowId, requestId } = await start(
      await compensationRequest({
        ...order,
        remedies: { storeCreditMinor: 3_000, refund: { kind: 'partial', amountMinor: 10_000 } },
      }),
    );
    await waitForStatus(requestId, 'pending');
    expect(
      await approvals.decideCompensation(
        client,
        requestId,
        'approve',
        await decision('fin-1', 'finance_approver', 13_000),
      ),
    ).toMatchObject({ accepted: true });

    const err = await handle.result().catch((e: unknown) => e);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).type).toBe('ProviderPermanent');
    const status = await approvals.getCompensationState(client, requestId);
    expect(status).toMatchObject({ status: 'failed', execution: { undone: ['store-credit'] } });
    const credit = (await commerceState(commerce.url)).credits.find(
      (c) => c.creditId === status.execution.storeCreditId,
    );
    expect(credit?.status).toBe('revoked');
    await waitForEvent(config, (e) => e.type === 'compensation.failed' && e.dedupeKey === workflowId);
    await recordHistoryIfAsked(handle, 'compensation-approval-saga');
  });

  test('when the requester amends the amount, then decisions for the old amount are refused and the new tier applies', async () => {
    const order = await seedOrder(urls(), 100_000);
    const { handle, requestId } = await start(
      await compensationRequest({
        ...order,
        requester: { agentId: 'agent-7', role: 'cs_agent' },
        remedies: { storeCreditMinor: 60_000 },
      }),
    );
    expect((await waitForStatus(requestId, 'pending')).awaiting?.tier).toBe('finance_manager');

    const stranger = await approvals.amendCompensation(client, requestId, {
      sign: signer('agent-8', ['cs_agent']),
      remedies: { storeCreditMinor: 30_000 },
      reason: 'customer accepted less',
    });
    expect(stranger).toMatchObject({ accepted: false, code: 'not_requester' });
    const amended = await approvals.amendCompensation(client, requestId, {
      sign: signer('agent-7', ['cs_agent']),
      agentId: 'Agent-7',
      remedies: { storeCreditMinor: 30_000 },
      reason: 'customer accepted less',
    });
    expect(amended).toMatchObject({ accepted: true, value: { status: 'pending', approvalsRequired: 1 } });
    expect((await approvals.getCompensationState(client, requestId)).awaiting).toMatchObject({
      tier: 'finance',
      minRole: 'finance_approver',
    });

    const old = await approvals.decideCompensation(
      client,
      requestId,
      'approve',
      await decision('mgr-1', 'finance_manager', 60_000),
    );
    expect(old).toMatchObject({ accepted: false, code: 'amount_changed' });
    expect(
      await approvals.decideCompensation(
        client,
        requestId,
        'approve',
        await decision('fin-1', 'finance_approver', 30_000),
      ),
    ).toMatchObject({ accepted: true, value: { status: 'approved' } });
    expect(await handle.result()).toMatchObject({ status: 'executed', totalMinor: 30_000 });
  });

  test('when the requester amends a waiting request, then its search attributes show the new amount and tier at once (not at the next ladder mark)', async () => {
    const order = await seedOrder(urls(), 100_000);
    const requester = { agentId: uniqueId('agent'), role: 'cs_agent' as const };
    const { handle, requestId } = await start(
      await compensationRequest({ ...order, requester, remedies: { storeCreditMinor: 60_000 } }),
    );
    await waitForStatus(requestId, 'pending');
    const shown = async () => (await handle.describe()).typedSearchAttributes;
    await until(async () => ((await shown()).get(SA.AwaitingTier) === 'finance_manager' ? true : undefined));

    const amended = await approvals.amendCompensation(client, requestId, {
      sign: signer(requester.agentId, ['cs_agent']),
      remedies: { storeCreditMinor: 30_000 },
      reason: 'customer accepted less',
    });
    expect(amended).toMatchObject({ accepted: true, value: { status: 'pending' } });
    // The next ladder mark (the reminder) is hours away: only a per-task flush shows the amendment now.
    const after = await until(async () => {
      const sa = await shown();
      return sa.get(SA.AmountMinor) === 30_000 ? sa : undefined;
    });
    expect(after.get(SA.AwaitingTier)).toBe('finance');
    expect(after.get(SA.ApprovalState)).toBe('pending');
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect((await shown()).get(SA.ApprovalState)).toBe('cancelled');
    await recordHistoryIfAsked(handle, 'compensation-approval-per-task');
  });

  test('when the order has an open dispute, then the request is flagged and routed to a stricter tier', async () => {
    const order = await seedOrder(urls(), 50_000);
    await deps.audit.append({
      stream: orderAuditStream(order.orderId),
      eventId: 'dispute-1',
      at: new Date().toISOString(),
      type: 'dispute.opened',
      data: { disputeId: 'dp_1' },
    });
    const requester = { agentId: uniqueId('agent'), role: 'cs_agent' as const };
    const { handle, requestId } = await start(
      await compensationRequest({ ...order, requester, remedies: { storeCreditMinor: 1_000 } }),
    );
    const pending = await waitForStatus(requestId, 'pending');
    expect(pending.flags).toEqual(['dispute_open']);
    expect(pending.awaiting).toMatchObject({ tier: 'finance_manager', minRole: 'finance_manager' });
    expect(
      await approvals.decideCompensation(
        client,
        requestId,
        'approve',
        await decision('fin-1', 'finance_approver', 1_000),
      ),
    ).toMatchObject({ accepted: false, code: 'role_below_tier' });
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((await approvals.getCompensationState(client, requestId)).status).toBe('cancelled');
  });
});
