import { actorOf, checkDecision, tally } from '../../workflows/approvals/policy';
import { policyFor } from '../../workflows/approvals/policies';
import { AcceptedAssertions } from '../../workflows/shared/command-assertion';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID } from '../../workflows/shared/trust';
import { requireStaffCommand } from '../../workflows/shared/verified-staff';
import { mintAssertion } from '../support/staff';

describe('approvals identity: who acts comes from the command assertion, never from the body', () => {
  const binding = { workflowId: 'compensation-r1', runId: 'run-1', command: 'approveCompensation', args: {} };
  const identity = async (sub: string, roles: string[]) => {
    const token = await mintAssertion(binding, { sub, roles });
    return requireStaffCommand(token, Date.now(), binding, new AcceptedAssertions());
  };

  test('when an assertion holds several roles (any case), then the acting role is the highest approvals role (order of ROLES)', async () => {
    const who = await identity('fin.dora', ['finance_legal', 'Finance_Director', 'cs_agent']);
    expect(actorOf(who, undefined)).toMatchObject({ ok: true, value: { role: 'finance_director' } });
  });

  test('when the subject is spelled in capitals, then the actor is the case-folded subject with its proof', async () => {
    expect(actorOf(await identity('Fin.Carol', ['finance_approver']), undefined)).toEqual({
      ok: true,
      value: {
        id: 'fin.carol',
        role: 'finance_approver',
        by: { subject: 'fin.carol', issuer: LOCAL_DECISIONS_ISSUER, keyId: LOCAL_DECISIONS_KID },
      },
    });
  });

  test('when the body claims a role the assertion does not grant, then role_not_in_token', async () => {
    const who = await identity('fin.carol', ['finance_approver']);
    expect(actorOf(who, 'finance_director')).toMatchObject({ ok: false, code: 'role_not_in_token' });
  });

  test('when the assertion grants no approvals role, then no_approvals_role', async () => {
    expect(actorOf(await identity('ops.frank', ['ops']), undefined)).toMatchObject({
      ok: false,
      code: 'no_approvals_role',
    });
  });
});

describe('approvals policy: IDs compared case-folded', () => {
  const policy = policyFor('2025-06.1');
  const route = { tierIndex: 2, tier: 'dual_control', minRole: 'finance_manager' as const, approvalsRequired: 2 };
  const ctx = { status: 'pending', requesterId: 'Cs.Alice', route, totalMinor: 300_000, currency: 'EUR' as const };
  const d = (approverId: string) => ({
    kind: 'approve' as const,
    approverId,
    role: 'finance_manager' as const,
    amount: { amountMinor: 300_000, currency: 'EUR' as const },
  });

  test('when the requester approves under another spelling, then self_approval', () => {
    expect(checkDecision(policy, { ...ctx, approvedBy: [] }, d('cs.alice'))).toMatchObject({ code: 'self_approval' });
    expect(checkDecision(policy, { ...ctx, status: 'evaluating', approvedBy: [] }, d('cs.alice'), true)).toMatchObject({
      code: 'self_approval',
    });
  });

  test('when one person votes twice under two spellings, then duplicate_vote, and the tally counts one person', () => {
    expect(checkDecision(policy, { ...ctx, approvedBy: ['Fin.Dave'] }, d('fin.dave'))).toMatchObject({
      code: 'duplicate_vote',
    });
    expect(tally(route, ['Fin.Dave', 'fin.dave'], false)).toBe('pending');
  });
});
