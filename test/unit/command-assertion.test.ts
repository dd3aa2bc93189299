import {
  AcceptedAssertions,
  argsDigest,
  startArgs,
  verifyCommandAssertion,
  type CommandBinding,
} from '../../workflows/shared/command-assertion';
import { checkStaffCommand } from '../../workflows/shared/verified-staff';
import { mintAssertion, staffToken } from '../support/staff';

/** The proof a workflow accepts for a human decision, checked without a server (workflow time = the wall clock). */
describe('verifyCommandAssertion: one command, on one run, with one argument, once', () => {
  const binding: CommandBinding = {
    workflowId: 'compensation-req-1',
    runId: 'run-a',
    command: 'approveCompensation',
    args: { reason: 'checked the photos', amount: { amountMinor: 120_000, currency: 'EUR' } },
  };
  const who = { sub: 'Fin.Carol', roles: ['finance_manager'] };
  const code = (token: unknown, b: CommandBinding = binding) => {
    const check = verifyCommandAssertion(token, Date.now(), b);
    return check.ok ? 'accepted' : check.code;
  };

  test('when the assertion is for this workflow, run, command and argument, then it is accepted with its identity', async () => {
    const token = await mintAssertion(binding, who);
    const check = verifyCommandAssertion(token, Date.now(), { ...binding, workflowId: 'COMPENSATION-req-1' });
    expect(check).toMatchObject({ ok: true, identity: { subject: 'fin.carol', roles: ['finance_manager'] } });
  });

  test('when it is sent to another workflow, then assertion_wrong_workflow', async () => {
    expect(code(await mintAssertion(binding, who), { ...binding, workflowId: 'compensation-req-2' })).toBe(
      'assertion_wrong_workflow',
    );
  });

  test('when it is sent to another run (or names no run for an update), then assertion_wrong_run', async () => {
    expect(code(await mintAssertion(binding, who), { ...binding, runId: 'run-b' })).toBe('assertion_wrong_run');
    const noRun = await mintAssertion({ ...binding, runId: undefined }, who);
    expect(code(noRun)).toBe('assertion_wrong_run');
  });

  test('when it is sent with another command, then assertion_wrong_command', async () => {
    expect(code(await mintAssertion(binding, who), { ...binding, command: 'rejectCompensation' })).toBe(
      'assertion_wrong_command',
    );
  });

  test('when the argument (the amount) was changed after signing, then assertion_arguments_changed', async () => {
    const token = await mintAssertion(binding, who);
    const changed = {
      ...binding,
      args: { ...(binding.args as object), amount: { amountMinor: 990_000, currency: 'EUR' } },
    };
    expect(code(token, changed)).toBe('assertion_arguments_changed');
    // The token itself is not part of the digest, and key order does not matter.
    expect(argsDigest({ b: 1, a: 2, token: 'x' })).toBe(argsDigest({ a: 2, b: 1 }));
  });

  test('when the same assertion comes a second time in a run, then assertion_replayed', async () => {
    const token = await mintAssertion(binding, who);
    const accepted = new AcceptedAssertions();
    const first = checkStaffCommand(token, Date.now(), binding, accepted);
    expect(first.ok).toBe(true);
    const check = verifyCommandAssertion(token, Date.now(), binding);
    if (check.ok) accepted.accept(check.jti);
    expect(checkStaffCommand(token, Date.now(), binding, accepted)).toMatchObject({
      ok: false,
      code: 'assertion_replayed',
    });
  });

  test('when it lives longer than 120 s, then assertion_too_long_lived', async () => {
    expect(code(await mintAssertion(binding, { ...who, lifetimeS: 121 }))).toBe('assertion_too_long_lived');
    expect(code(await mintAssertion(binding, { ...who, lifetimeS: 120 }))).toBe('accepted');
  });

  test('when its header has no typ, then assertion_wrong_type', async () => {
    expect(code(await mintAssertion(binding, { ...who, typ: null }))).toBe('assertion_wrong_type');
  });

  test('when it has no jti, then assertion_no_id', async () => {
    expect(code(await mintAssertion(binding, { ...who, claims: { jti: undefined } }))).toBe('assertion_no_id');
  });

  test("when an identity provider's staff token is sent for a new command, then it is refused", async () => {
    expect(code(await staffToken('fin.carol', ['finance_manager']))).toBe('token_untrusted_key');
  });

  test('when a start is signed, then it is bound to the input without requester.token and to no run', async () => {
    const input = { requestId: 'r1', requester: { agentId: 'cs.alice' }, remedies: { voucherMinor: 500 } };
    const start = { workflowId: 'compensation-r1', command: 'compensationApproval', args: startArgs(input) };
    const token = await mintAssertion(start, { sub: 'cs.alice', roles: ['cs_agent'] });
    const sent = { ...input, requester: { ...input.requester, token } };
    expect(code(token, { ...start, args: startArgs(sent) })).toBe('accepted');
    const bigger = { ...sent, remedies: { voucherMinor: 50_000 } };
    expect(code(token, { ...start, args: startArgs(bigger) })).toBe('assertion_arguments_changed');
  });
});
