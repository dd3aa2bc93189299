import type { Client, Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createHttpCommerce } from '../../activities/adapters/commerce/http-commerce';
import { approvals } from '../../client';
import type { CommandSigner } from '../../client/commands';
import { loadDecisionsConfig } from '../../decisions/config';
import { startDecisionService, type DecisionService } from '../../decisions/server';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { issueStaffToken, startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { approvalAuditStream, compensationWorkflowId, type Remedies } from '../../workflows/approvals/contract';
import { SA } from '../../workflows/shared/search-attributes';
import { buildDependencies } from '../../workers/dependencies';
import type { AppConfig } from '../../workers/config';
import { main as financeCli } from '../../scripts/finance';
import { runInProcess } from '../support/cli';
import { recordHistoryIfAsked } from '../support/histories';
import { mintAssertion } from '../support/staff';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';
import { commerceState, compensationRequest, decision, seedOrder, signer } from './approvals-support';

/**
 * A refund the PSP refuses for good (the charge is too old to refund): nothing moved, so the request proposes the
 * refund's amount as store credit under the approval policy, and finance decides on that alternative with the
 * remedies bound into the signed command. Counted at the PSP sandbox (refunds made) and the commerce sandbox (credits).
 */
describe('compensation approval when the PSP refuses the refund for good (dev server)', () => {
  let psp: PspSandbox;
  let commerce: CommerceSandbox;
  let config: AppConfig;
  let deps: ActivityDeps;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let client: Client;
  let connection: Connection;
  let running: Promise<void>;
  let idp: IdpSandbox;
  let service: DecisionService;

  beforeAll(async () => {
    [psp, commerce, idp] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }),
      startCommerceSandbox({ port: 0 }),
      startIdpSandbox({ port: 0 }),
    ]);
    config = testConfig({ PSP_API_BASE: psp.url });
    deps = buildDependencies(config, { commerce: createHttpCommerce({ apiBase: commerce.url }) });
    ({ worker, connection: workerConnection } = await testWorker(config, deps));
    running = worker.run();
    ({ client, connection } = await testClient(config));
    const serviceConfig = { ...config, IDP_URL: idp.url };
    const decisions = loadDecisionsConfig(serviceConfig, {});
    service = await startDecisionService({ config: serviceConfig, decisions, client, port: 0 });
  });

  afterAll(async () => {
    await service?.stop();
    await idp?.stop();
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
    await Promise.all([psp?.stop(), commerce?.stop()]);
  });

  /** An order paid by a charge the PSP will never refund (too old for the card network). */
  async function unrefundableOrder(amountMinor: number) {
    const res = await fetch(`${psp.url}/__admin/charges`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: amountMinor, currency: 'eur', refundRefusal: 'charge_expired_for_refund' }),
    });
    const paymentRef = String(((await res.json()) as { id: string }).id);
    return seedOrder({ psp: psp.url, commerce: commerce.url }, amountMinor, { paymentRef });
  }

  /** Starts the request, has finance approve the refund, and waits until the alternative waits for a decision. */
  async function refusedThenProposed(remedies: { storeCreditMinor?: number; refundMinor: number }) {
    const order = await unrefundableOrder(10_000);
    const input = await compensationRequest({
      ...order,
      remedies: {
        refund: { kind: 'partial', amountMinor: remedies.refundMinor },
        ...(remedies.storeCreditMinor ? { storeCreditMinor: remedies.storeCreditMinor } : {}),
      },
    });
    const { handle } = await approvals.startCompensation(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE });
    const total = remedies.refundMinor + (remedies.storeCreditMinor ?? 0);
    await settle(input.requestId, (s) => s.status === 'pending');
    const first = await approvals.decideCompensation(
      client,
      input.requestId,
      'approve',
      await decision('fin-a', 'finance_approver', total),
    );
    expect(first).toMatchObject({ accepted: true, value: { status: 'approved' } });
    const proposed = await settle(input.requestId, (s) => s.status === 'pending' && s.alternative !== undefined);
    return { input, handle, order, proposed, total };
  }

  const settle = (requestId: string, ok: (s: approvals.CompensationStatus) => boolean) => {
    let last: approvals.CompensationStatus | undefined;
    return until(
      async () => {
        last = await approvals.getCompensationState(client, requestId).catch(() => undefined);
        return last && ok(last) ? last : undefined;
      },
      60_000,
      () => `${requestId} (last: ${last?.status ?? 'no answer'})`,
    );
  };
  const refundsAtPsp = async () =>
    ((await (await fetch(`${psp.url}/__admin/calls`)).json()) as { created: { refund: number } }).created.refund;
  const creditsFor = async (workflowId: string) =>
    (await commerceState(commerce.url)).credits.filter((c) => c.reference === workflowId);
  /** A finance decision that names the remedies the approver saw. */
  const onRemedies = async (approverId: string, amountMinor: number, remedies: Remedies) => ({
    ...(await decision(approverId, 'finance_approver', amountMinor)),
    remedies,
  });

  test('when the PSP refuses a refund as impossible, then the request proposes store credit under the policy and, approved, issues it once with no refund at the PSP', async () => {
    const refundsBefore = await refundsAtPsp();
    const { input, handle, proposed } = await refusedThenProposed({ refundMinor: 3_000 });
    const workflowId = compensationWorkflowId(input.requestId);

    // 30.00 as store credit is above the auto-approval threshold (25.00): the finance tier decides, from scratch.
    expect(proposed).toMatchObject({
      remedies: { refundMinor: 0, storeCreditMinor: 3_000, voucherMinor: 0 },
      totalMinor: 3_000,
      awaiting: { tier: 'finance', approvedBy: [] },
      alternative: {
        refusal: { provider: 'stripe', code: 'charge_expired_for_refund', failureType: 'ProviderPermanent' },
        from: { refundMinor: 3_000, storeCreditMinor: 0, voucherMinor: 0 },
        amountMinor: 3_000,
        verdict: 'needs_approval',
        tier: 'finance',
      },
    });
    expect(proposed.alternative?.refusal.requestId).toMatch(/^req_/);
    expect(proposed.execution.refundId).toBeUndefined();
    // The wait is on the alternative, since it was proposed (not since the first request was filed).
    const since = Date.parse(String(proposed.awaiting?.since));
    expect(since).toBeGreaterThanOrEqual(Date.parse(String(proposed.alternative?.proposedAt)));
    // Visibility follows the workflow's upsert: wait for it rather than read it once.
    const sa = await until(async () => {
      const shown = (await handle.describe()).typedSearchAttributes;
      return shown.get(SA.LastErrorCode) === 'refund_impossible' ? shown : undefined;
    });
    expect(sa.get(SA.ApprovalState)).toBe('pending');
    expect(sa.get(SA.AwaitingActor)).toBe('finance');
    expect(sa.get(SA.LastErrorCode)).toBe('refund_impossible');
    expect(sa.get(SA.AwaitingSince)?.getTime()).toBe(since);
    // The proposal, with the PSP's code and request ID as evidence, is in the request's audit trail.
    const trail = await deps.audit.list(approvalAuditStream(workflowId));
    expect(trail.find((e) => e.type === 'approval.propose_alternative')?.data).toMatchObject({
      decision: 'propose_alternative',
      actorId: 'policy',
      accepted: true,
      alternative: {
        refusal: { code: 'charge_expired_for_refund', requestId: proposed.alternative?.refusal.requestId },
      },
    });

    const approved = await approvals.decideCompensation(
      client,
      input.requestId,
      'approve',
      await onRemedies('fin-b', 3_000, { refundMinor: 0, storeCreditMinor: 3_000, voucherMinor: 0 }),
    );
    expect(approved).toMatchObject({ accepted: true, value: { status: 'approved' } });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'executed', totalMinor: 3_000 });
    await recordHistoryIfAsked(handle, 'compensation-approval-refund-alternative');

    const credits = await creditsFor(workflowId);
    expect(credits).toEqual([expect.objectContaining({ amountMinor: 3_000, status: 'active' })]);
    expect(result.execution).toMatchObject({ alternativeCreditId: credits[0]?.creditId });
    expect(result.execution.refundId).toBeUndefined();
    expect(await refundsAtPsp()).toBe(refundsBefore);
    expect((await commerceState(commerce.url)).orders.find((o) => o.orderId === proposed.orderId)).toMatchObject({
      refundedMinor: 0,
    });
  });

  test('when finance rejects the store credit proposed for an impossible refund, then the request ends rejected with the issued credit undone and no refund', async () => {
    const refundsBefore = await refundsAtPsp();
    const { input, handle, proposed } = await refusedThenProposed({ refundMinor: 1_000, storeCreditMinor: 2_000 });
    const workflowId = compensationWorkflowId(input.requestId);
    expect(proposed).toMatchObject({
      remedies: { refundMinor: 0, storeCreditMinor: 3_000, voucherMinor: 0 },
      execution: { storeCreditId: expect.any(String) },
    });
    // The credit approved with the refund stays issued while finance decides on the alternative.
    expect(await creditsFor(workflowId)).toEqual([expect.objectContaining({ amountMinor: 2_000, status: 'active' })]);

    const rejected = await approvals.decideCompensation(
      client,
      input.requestId,
      'reject',
      await onRemedies('fin-b', 3_000, { refundMinor: 0, storeCreditMinor: 3_000, voucherMinor: 0 }),
    );
    expect(rejected).toMatchObject({ accepted: true, value: { status: 'rejected' } });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'rejected', execution: { undone: ['store-credit'] } });
    await recordHistoryIfAsked(handle, 'compensation-approval-refund-alternative-rejected');
    expect(result.execution.alternativeCreditId).toBeUndefined();
    expect(await creditsFor(workflowId)).toEqual([expect.objectContaining({ amountMinor: 2_000, status: 'revoked' })]);
    expect(await refundsAtPsp()).toBe(refundsBefore);
  });

  test('when a decision signed for the original remedies is sent for the alternative, then it is refused and nothing is issued', async () => {
    const { input, proposed } = await refusedThenProposed({ refundMinor: 3_000 });
    const workflowId = compensationWorkflowId(input.requestId);
    const original: Remedies = { refundMinor: 3_000, storeCreditMinor: 0, voucherMinor: 0 };
    const alternative: Remedies = { refundMinor: 0, storeCreditMinor: 3_000, voucherMinor: 0 };

    // A decision as finance signed it for the refund: the same total, no remedies named.
    const asForRefund = await approvals.decideCompensation(
      client,
      input.requestId,
      'approve',
      await decision('fin-b', 'finance_approver', 3_000),
    );
    // One that names the refund it was signed for.
    const namingRefund = await approvals.decideCompensation(
      client,
      input.requestId,
      'approve',
      await onRemedies('fin-b', 3_000, original),
    );
    // An assertion signed for the original remedies, sent with the alternative's: its digest no longer matches.
    const signedForOriginal: CommandSigner = (binding) =>
      mintAssertion(
        { ...binding, args: { ...(binding.args as object), remedies: original } },
        { sub: 'fin-b', roles: ['finance_approver'] },
      );
    const swapped = await approvals.decideCompensation(client, input.requestId, 'approve', {
      ...(await onRemedies('fin-b', 3_000, alternative)),
      sign: signedForOriginal,
    });
    // Nor may the requester change what is given meanwhile: finance decides on what the policy proposed.
    const amended = await approvals.amendCompensation(client, input.requestId, {
      sign: signer(input.requester.agentId ?? '', ['cs_agent']),
      remedies: { storeCreditMinor: 500 },
      reason: 'customer accepted less',
    });
    expect(amended).toMatchObject({ accepted: false, code: 'already_decided' });
    expect(asForRefund).toMatchObject({ accepted: false, type: 'Conflict', code: 'remedies_changed' });
    expect(namingRefund).toMatchObject({ accepted: false, type: 'Conflict', code: 'remedies_changed' });
    expect(swapped).toMatchObject({ accepted: false, type: 'Unauthorized', code: 'assertion_arguments_changed' });

    const after = await approvals.getCompensationState(client, input.requestId);
    expect(after).toMatchObject({ status: 'pending', awaiting: { approvedBy: [] } });
    expect(after.execution.alternativeCreditId).toBeUndefined();
    expect(await creditsFor(workflowId)).toEqual([]);
    expect(proposed.status).toBe('pending');
    await client.workflow.getHandle(workflowId).cancel();
  });

  test('when finance decides on the alternative through the decision service, then a decision naming the remedies shown (finance CLI) is signed and approves it, and one without them is refused', async () => {
    const { input, handle } = await refusedThenProposed({ refundMinor: 3_000 });
    const token = await issueStaffToken({ sub: 'fin.dora', roles: ['finance_approver'], expiresInS: 600 });
    const post = async (body: unknown) => {
      const res = await fetch(`${service.url}/approvals/${input.requestId}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as unknown;
    };
    const reason = 'store credit instead of the expired charge';
    expect(await post({ reason, amountMinor: 3_000 })).toMatchObject({ accepted: false, code: 'remedies_changed' });
    const { PAYOPS_TOKEN: _ignored, ...rest } = process.env;
    const env = { ...rest, PAYOPS_MODE: 'local', DECISIONS_URL: service.url, PAYOPS_TOKEN: token };
    const cli = (...remedies: string[]) =>
      runInProcess('finance', financeCli, env, ['approve', input.requestId, '--reason', reason, ...remedies]);
    // The refund it was: refused, and the CLI says why.
    const asRefund = await cli('--refund', '3000');
    expect(asRefund).toMatchObject({ code: 1 });
    expect(asRefund.out).toContain('remedies_changed');
    const approved = await cli('--store-credit', '3000', '--refund', '0');
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.out).toContain('request is approved');
    expect(await handle.result()).toMatchObject({ status: 'executed' });
    expect(await creditsFor(compensationWorkflowId(input.requestId))).toHaveLength(1);
  });
});
