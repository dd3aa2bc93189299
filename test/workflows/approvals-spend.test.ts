import type { Client, Connection } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createHttpCommerce } from '../../activities/adapters/commerce/http-commerce';
import { approvals } from '../../client';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { compensationWorkflowId, type CompensationRequestCommand } from '../../workflows/approvals/contract';
import { compensationPostingId, factKey, type CompensationFact } from '../../workflows/shared/report-facts';
import { buildDependencies } from '../../workers/dependencies';
import type { AppConfig } from '../../workers/config';
import type { Signed } from '../../client/commands';
import { recordHistoryIfAsked } from '../support/histories';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';
import { compensationRequest, decision, seedOrder, uniqueId } from './approvals-support';
import { localSigner } from '../../decisions/signer';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID } from '../../workflows/shared/trust';

/**
 * A compensation's ledger twin and report fact, on the dev server with the PSP and commerce sandboxes, the ledger in
 * DynamoDB and the facts in S3 (moto): what finance's spend report is computed from.
 */
describe('compensation approval: spend facts and ledger postings (dev server)', () => {
  let psp: PspSandbox;
  let commerce: CommerceSandbox;
  let config: AppConfig;
  let deps: ActivityDeps;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let client: Client;
  let connection: Connection;
  let running: Promise<void>;

  beforeAll(async () => {
    [psp, commerce] = await Promise.all([
      startPspSandbox({ port: 0, webhookSecret: 'whsec_test' }),
      startCommerceSandbox({ port: 0 }),
    ]);
    config = testConfig({ PSP_API_BASE: psp.url });
    deps = buildDependencies(config, { commerce: createHttpCommerce({ apiBase: commerce.url }) });
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
  const factOf = async (workflowId: string, at: string): Promise<CompensationFact> => {
    const body = await deps.reports.get(factKey('compensation', at.slice(0, 10), workflowId));
    expect(body).toMatch(/\n$/);
    return JSON.parse(body as string) as CompensationFact;
  };
  const legs = async (postingId: string) =>
    Object.fromEntries(((await deps.ledger.getPosting(postingId))?.legs ?? []).map((l) => [l.account, l.amountMinor]));

  test('when an auto-approved request executes, then one posting books its cost by reason against each instrument and its fact splits it by instrument', async () => {
    const input = await compensationRequest({
      ...(await seedOrder(urls(), 10_000)),
      reasonCode: 'late_delivery',
      remedies: { refund: { kind: 'partial', amountMinor: 1_000 }, storeCreditMinor: 400, voucherMinor: 300 },
    });
    const { handle, workflowId } = await start(input);
    const result = await handle.result();
    expect(result.status).toBe('executed');
    const day = new Date().toISOString();
    const fact = await until(() => factOf(workflowId, day).catch(() => undefined), 20_000);
    expect(fact).toMatchObject({
      factId: workflowId,
      outcome: 'executed',
      requestId: input.requestId,
      orderId: input.orderId,
      reasonCode: 'late_delivery',
      agentId: input.requester.agentId,
      agentRole: 'cs_agent',
      team: null,
      approvers: [],
      tier: 'auto',
      autoApproved: true,
      policyVersion: result.policyVersion,
      currency: 'EUR',
      refundMinor: 1_000,
      storeCreditMinor: 400,
      voucherMinor: 300,
      totalMinor: 1_700,
      undoneMinor: 0,
      netMinor: 1_700,
      postingIds: [compensationPostingId(workflowId, 'executed')],
    });
    expect(await legs(compensationPostingId(workflowId, 'executed'))).toEqual({
      'comp:expense:late_delivery': 1_700,
      'refunds:issued': -1_000,
      'store-credit:liability': -400,
      'vouchers:liability': -300,
    });
    const posting = await deps.ledger.getPosting(compensationPostingId(workflowId, 'executed'));
    expect(posting).toMatchObject({ effectiveDate: fact.day, refs: { workflowId } });
    await recordHistoryIfAsked(handle, 'compensation-approval-spend-facts');
  });

  test('when the decision service signs the request for a staff member whose token carries a team, then the fact records that team, and a team put in the body is ignored', async () => {
    const agentId = uniqueId('agent');
    const sign = localSigner({ issuer: LOCAL_DECISIONS_ISSUER, kid: LOCAL_DECISIONS_KID });
    const input = await compensationRequest({
      ...(await seedOrder(urls(), 10_000)),
      requester: { agentId, role: 'cs_agent' },
      remedies: { storeCreditMinor: 500 },
      sign: (binding) => sign({ subject: agentId, roles: ['cs_agent'], team: 'cs-berlin' }, binding),
    });
    const { handle, workflowId } = await start(input);
    expect((await handle.result()).status).toBe('executed');
    const fact = await until(() => factOf(workflowId, new Date().toISOString()).catch(() => undefined), 20_000);
    expect(fact).toMatchObject({ agentId, team: 'cs-berlin', netMinor: 500 });

    // The team is the assertion's: one the body names (signed along with it, so the assertion still binds) is not.
    const other = uniqueId('agent');
    const forged = await compensationRequest({
      ...(await seedOrder(urls(), 10_000)),
      requester: { agentId: other, role: 'cs_agent', team: 'made-up' } as never,
      remedies: { storeCreditMinor: 500 },
      sign: (binding) => sign({ subject: other, roles: ['cs_agent'] }, binding),
    });
    const second = await start(forged);
    expect((await second.handle.result()).status).toBe('executed');
    const plain = await until(() => factOf(second.workflowId, new Date().toISOString()).catch(() => undefined), 20_000);
    expect(plain).toMatchObject({ agentId: other, team: null });
  });

  test('when finance approves a request, then its fact names the approver, the role and the tier', async () => {
    const input = await compensationRequest({
      ...(await seedOrder(urls(), 20_000)),
      remedies: { storeCreditMinor: 6_000 },
    });
    const { handle, workflowId } = await start(input);
    await until(async () => {
      const s = await approvals.getCompensationState(client, input.requestId).catch(() => undefined);
      return s?.status === 'pending' ? s : undefined;
    }, 30_000);
    const verdict = await approvals.decideCompensation(
      client,
      input.requestId,
      'approve',
      await decision('fin.erin', 'finance_approver', 6_000),
    );
    expect(verdict.accepted).toBe(true);
    expect((await handle.result()).status).toBe('executed');
    const fact = await until(() => factOf(workflowId, new Date().toISOString()).catch(() => undefined), 20_000);
    expect(fact).toMatchObject({
      autoApproved: false,
      tier: 'finance',
      approvers: [{ id: 'fin.erin', role: 'finance_approver' }],
      storeCreditMinor: 6_000,
      netMinor: 6_000,
    });
    expect(await legs(compensationPostingId(workflowId, 'executed'))).toEqual({
      'comp:expense:damaged_item': 6_000,
      'store-credit:liability': -6_000,
    });
  });

  test('when carrying out fails after issuing and one undo fails, then the issue and the undo are posted and the fact counts what stayed given', async () => {
    const order = await seedOrder(urls(), 20_000, { paymentRef: 'ch_does_not_exist' });
    const input = await compensationRequest({
      ...order,
      remedies: { storeCreditMinor: 500, voucherMinor: 700, refund: { kind: 'partial', amountMinor: 1_000 } },
    });
    await fetch(`${commerce.url}/__admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rejectNext: { void: 1 } }),
    });
    const { handle } = await start(input);
    expect(await handle.result().catch((e: unknown) => e)).toBeInstanceOf(WorkflowFailedError);
    const workflowId = compensationWorkflowId(input.requestId);
    const fact = await until(() => factOf(workflowId, new Date().toISOString()).catch(() => undefined), 20_000);
    expect(fact).toMatchObject({
      outcome: 'failed',
      refundMinor: 0,
      storeCreditMinor: 500,
      voucherMinor: 700,
      totalMinor: 1_200,
      undoneMinor: 500,
      undoneStoreCreditMinor: 500,
      undoneVoucherMinor: 0,
      netMinor: 700,
      postingIds: [compensationPostingId(workflowId, 'issued'), compensationPostingId(workflowId, 'undone')],
    });
    expect(await legs(compensationPostingId(workflowId, 'issued'))).toEqual({
      'comp:expense:damaged_item': 1_200,
      'store-credit:liability': -500,
      'vouchers:liability': -700,
    });
    expect(await legs(compensationPostingId(workflowId, 'undone'))).toEqual({
      'comp:expense:damaged_item': -500,
      'store-credit:liability': 500,
    });
    await recordHistoryIfAsked(handle, 'compensation-approval-spend-facts-undo');
  });
});
