import type { CommandSigner, Signed } from '../../client/commands';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createHttpCommerce } from '../../activities/adapters/commerce/http-commerce';
import { approvals } from '../../client';
import { bin } from '../../infra/local/paths';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import {
  approveCompensationUpdate,
  compensationWorkflowId,
  type CompensationRequestCommand,
} from '../../workflows/approvals/contract';
import { startArgs } from '../../workflows/shared/command-assertion';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID } from '../../workflows/shared/trust';
import { buildDependencies } from '../../workers/dependencies';
import type { AppConfig } from '../../workers/config';
import { recordHistoryIfAsked } from '../support/histories';
import { mintAssertion } from '../support/staff';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';
import { compensationRequest, seedOrder, signer, staffToken, uniqueId } from './approvals-support';

const run = promisify(execFile);
const EUR = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });

/** Who decides is proven by a command assertion the workflow verifies itself; every unproven path changes nothing. */
describe('compensation approval: verified identity (dev server)', () => {
  let psp: PspSandbox;
  let commerce: CommerceSandbox;
  let idp: IdpSandbox;
  let config: AppConfig;
  let deps: ActivityDeps;
  let worker: Worker;
  let workerConnection: NativeConnection;
  let client: Client;
  let connection: Connection;
  let running: Promise<void>;

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
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
    await Promise.all([psp?.stop(), commerce?.stop(), idp?.stop()]);
  });

  const start = async (input: Signed<CompensationRequestCommand>) => ({
    ...(await approvals.startCompensation(client, input, { taskQueue: config.TEMPORAL_TASK_QUEUE })),
    requestId: input.requestId,
  });
  /** Polls the query until the request waits for a decision (a condition, not a timing). */
  const pending = async (requestId: string) => {
    let last: approvals.CompensationStatus | undefined;
    return until(
      async () => {
        last = await approvals.getCompensationState(client, requestId).catch(() => undefined);
        return last?.status === 'pending' ? last : undefined;
      },
      30_000,
      () => `${requestId} pending (last: ${last?.status ?? 'no answer'})`,
    );
  };
  /** A request for `amountMinor` of store credit, waiting for finance. */
  const waiting = async (amountMinor: number, requester?: { agentId: string; role: 'cs_agent' }) => {
    const order = await seedOrder({ psp: psp.url, commerce: commerce.url }, Math.max(amountMinor, 10_000));
    const input = await compensationRequest({
      ...order,
      ...(requester && { requester }),
      remedies: { storeCreditMinor: amountMinor },
    });
    const started = await start(input);
    await pending(started.requestId);
    return started;
  };
  /** Nothing was written: still pending, no decision in state, in the audit trail or accepted into history. */
  const untouched = async (h: { requestId: string; workflowId: string; handle: WorkflowHandle }) => {
    const s = await approvals.getCompensationState(client, h.requestId);
    expect({ status: s.status, decisions: s.decisions, approvedBy: s.awaiting?.approvedBy }).toEqual({
      status: 'pending',
      decisions: [],
      approvedBy: [],
    });
    expect(await deps.audit.list(`approval:${h.workflowId}`)).toEqual([]);
    const history = await h.handle.fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
  };

  test('when an assertion is expired, too long-lived, for another command, for a changed amount, an IdP token, or the body claims a role it lacks, then the decision is refused and nothing is written', async () => {
    const h = await waiting(10_000);
    const carol = signer('fin.carol', ['finance_approver']);
    const who = { sub: 'fin.carol', roles: ['finance_approver'] };
    const idp = await staffToken('fin.carol', ['finance_approver']);
    const attempts: Array<[string, CommandSigner, string, 'finance_director'?]> = [
      ['expired', (b) => mintAssertion(b, { ...who, iatMs: Date.now() - 600_000 }), 'token_expired'],
      ['too long-lived', (b) => mintAssertion(b, { ...who, lifetimeS: 3_600 }), 'assertion_too_long_lived'],
      ['for another command', (b) => carol({ ...b, command: 'rejectCompensation' }), 'assertion_wrong_command'],
      [
        'signed for a smaller amount than sent',
        (b) => carol({ ...b, args: { ...(b.args as object), amount: EUR(100) } }),
        'assertion_arguments_changed',
      ],
      ['an identity provider token', async () => idp, 'token_untrusted_key'],
      ['role not in the assertion', carol, 'role_not_in_token', 'finance_director'],
    ];
    for (const [what, sign, code, role] of attempts) {
      const verdict = await approvals.decideCompensation(client, h.requestId, 'approve', {
        sign,
        ...(role && { role }),
        reason: `attack: ${what}`,
        amount: EUR(10_000),
      });
      expect({ what, verdict }).toMatchObject({ what, verdict: { accepted: false, type: 'Unauthorized', code } });
      if (!verdict.accepted) expect(verdict.message).not.toContain(idp);
    }
    // Raw, past the typed client: no token at all, and a body that names a director.
    const raw = await h.handle
      .executeUpdate(approveCompensationUpdate, {
        args: [{ approverId: 'anyone', role: 'finance_director', reason: 'trust me', amount: EUR(10_000) }],
      })
      .catch((e: unknown) => e);
    expect((raw as { cause?: ApplicationFailure }).cause).toMatchObject({
      type: 'Unauthorized',
      details: [{ code: 'token_missing' }],
    });
    await untouched(h);
    await h.handle.cancel();
  });

  test('when a raw temporal CLI update or signal carries no token, then the update is refused, the signal recorded as refused, and nothing counts', async () => {
    const h = await waiting(10_000);
    const input = JSON.stringify({
      approverId: 'anyone',
      role: 'finance_director',
      reason: 'cli',
      amount: EUR(10_000),
    });
    const cli = ['--address', config.TEMPORAL_ADDRESS, '--workflow-id', h.workflowId, '--name', 'approveCompensation'];
    const update = await run(bin('temporal'), ['workflow', 'update', 'execute', ...cli, '--input', input]).then(
      () => ({ code: 0, out: '' }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
    );
    expect(update.code).not.toBe(0);
    // Failure messages are encrypted (payload codec): the CLI without the codec sees the refusal's type only.
    expect(update.out).toContain('type: Unauthorized');
    await untouched(h);

    await run(bin('temporal'), ['workflow', 'signal', ...cli, '--input', input]);
    let s = await approvals.getCompensationState(client, h.requestId);
    while (s.decisions.length === 0) s = await approvals.getCompensationState(client, h.requestId);
    expect(s.status).toBe('pending');
    expect(s.decisions).toEqual([
      expect.objectContaining({ actorId: 'unverified', accepted: false, refusal: 'token_missing', via: 'signal' }),
    ]);
    expect(s.awaiting?.approvedBy).toEqual([]);
    await h.handle.cancel();
    await h.handle.result().catch(() => undefined);
    await recordHistoryIfAsked(h.handle, 'compensation-approval-unverified-signal');
  });

  test('when the requester approves under a case variant of their ID, then it is refused as self-approval (update and signal)', async () => {
    const h = await waiting(10_000, { agentId: 'Cs.Alice', role: 'cs_agent' });
    expect((await approvals.getCompensationState(client, h.requestId)).requesterId).toBe('cs.alice');
    const alice = signer('cs.alice', ['finance_approver']);
    const verdict = await approvals.decideCompensation(client, h.requestId, 'approve', {
      sign: alice,
      reason: 'my own request',
      amount: EUR(10_000),
    });
    expect(verdict).toMatchObject({ accepted: false, type: 'PolicyViolation', code: 'self_approval' });
    await untouched(h);
    await approvals.signalCompensationDecision(client, h.requestId, 'approve', {
      sign: alice,
      approverId: 'CS.ALICE',
      reason: 'my own request',
      amount: EUR(10_000),
    });
    let s = await approvals.getCompensationState(client, h.requestId);
    while (s.decisions.length === 0) s = await approvals.getCompensationState(client, h.requestId);
    expect(s.decisions).toEqual([
      expect.objectContaining({ actorId: 'cs.alice', accepted: false, refusal: 'self_approval' }),
    ]);
    expect(s.status).toBe('pending');
    await h.handle.cancel();
  });

  test('when one subject votes twice under two spellings, then the second is refused; a body naming someone else is refused; two people approve with their proof audited', async () => {
    const h = await waiting(300_000);
    expect((await approvals.getCompensationState(client, h.requestId)).awaiting).toMatchObject({
      tier: 'dual_control',
      approvalsRequired: 2,
    });
    const vote = async (sub: string, approverId?: string) =>
      approvals.decideCompensation(client, h.requestId, 'approve', {
        sign: signer(sub, ['finance_manager']),
        ...(approverId && { approverId }),
        reason: 'dual control review',
        amount: EUR(300_000),
      });
    expect(await vote('Fin.Carol')).toMatchObject({
      accepted: true,
      value: { status: 'pending', approvalsReceived: 1 },
    });
    expect(await vote('fin.carol')).toMatchObject({ accepted: false, type: 'Conflict', code: 'duplicate_vote' });
    expect(await vote('fin.dave', 'fin.erin')).toMatchObject({
      accepted: false,
      type: 'Unauthorized',
      code: 'identity_mismatch',
    });
    expect(await vote('fin.dave', 'Fin.Dave')).toMatchObject({ accepted: true, value: { status: 'approved' } });
    expect(await h.handle.result()).toMatchObject({ status: 'executed' });
    await recordHistoryIfAsked(h.handle, 'compensation-approval-verified-votes');

    const audit = await deps.audit.list(`approval:${h.workflowId}`);
    expect(audit.map((e) => [e.data['actorId'], e.data['role'], e.data['decidedBy']])).toEqual([
      [
        'fin.carol',
        'finance_manager',
        { subject: 'fin.carol', issuer: LOCAL_DECISIONS_ISSUER, keyId: LOCAL_DECISIONS_KID },
      ],
      [
        'fin.dave',
        'finance_manager',
        { subject: 'fin.dave', issuer: LOCAL_DECISIONS_ISSUER, keyId: LOCAL_DECISIONS_KID },
      ],
    ]);
  });

  test('when a request starts without a valid requester assertion (or its amount changed after signing), then it fails Unauthorized before any activity', async () => {
    const order = await seedOrder({ psp: psp.url, commerce: commerce.url }, 10_000);
    const { sign: _sign, ...base } = await compensationRequest({ ...order, remedies: { storeCreditMinor: 1_000 } });
    const bob = { sub: 'cs.bob', roles: ['cs_agent'] };
    type Requester = { agentId?: string; role?: 'cs_agent' | 'finance_director' };
    const cases: Array<[string, Requester, ((signed: object) => Promise<string>) | undefined, string, object?]> = [
      ['no token', { agentId: 'cs.bob', role: 'cs_agent' }, undefined, 'token_missing'],
      ['another agent named', { agentId: 'cs.alice' }, undefined, 'identity_mismatch'],
      ['a role not held', { role: 'finance_director' }, undefined, 'role_not_in_token'],
      ['no approvals role', {}, undefined, 'no_approvals_role'],
      ['an identity provider token', {}, () => staffToken('cs.bob', ['cs_agent']), 'token_untrusted_key'],
      ['the amount changed after signing', {}, undefined, 'assertion_arguments_changed', { storeCreditMinor: 9_000 }],
    ];
    for (const [what, requester, token, code, remedies] of cases) {
      const requestId = uniqueId('req');
      const workflowId = compensationWorkflowId(requestId);
      const signed = { ...base, requestId, requester };
      const roles = code === 'no_approvals_role' ? ['ops'] : bob.roles;
      const binding = { workflowId, command: 'compensationApproval', args: startArgs(signed) };
      const proof =
        code === 'token_missing' ? undefined : await (token?.(signed) ?? mintAssertion(binding, { ...bob, roles }));
      const sent = { ...signed, ...(remedies && { remedies }), requester: { ...requester, token: proof } };
      const handle = await client.workflow.start('compensationApproval', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [sent],
      });
      const err = await handle.result().catch((e: unknown) => e);
      expect({ what, err }).toMatchObject({ what, err: expect.any(WorkflowFailedError) });
      expect({ what, cause: (err as WorkflowFailedError).cause }).toMatchObject({
        what,
        cause: { type: 'Unauthorized', details: [{ code }] },
      });
      const history = await handle.fetchHistory();
      expect(history.events?.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    }
    expect((await deps.audit.list(`order:${order.orderId}`)).length).toBe(0);
  });
});
