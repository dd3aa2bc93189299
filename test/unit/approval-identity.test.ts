import { issueStaffToken } from '../../sandboxes/idp';
import { checkDecision, tally } from '../../workflows/approvals/policy';
import { policyFor } from '../../workflows/approvals/policy-versions';
import { actingRole, highestApprovalRole, verifiedActor } from '../../workflows/approvals/identity';
import { verifyStaffToken } from '../../workflows/shared/identity';
import { LOCAL_ISSUER, LOCAL_KID } from '../../workflows/shared/trust';

const now = () => Date.now();

describe('approvals identity: who acts comes from the token, never from the body', () => {
  test('when a token holds several roles, then the acting role is the highest approvals role (order of ROLES)', () => {
    expect(highestApprovalRole(['finance_legal', 'finance_director', 'cs_agent'])).toBe('finance_director');
    expect(highestApprovalRole(['ops', 'tier1'])).toBeUndefined();
  });

  test('when the body names the token subject in another spelling, then the actor is the case-folded subject with its proof', async () => {
    const token = await issueStaffToken({ sub: 'Fin.Carol', roles: ['finance_approver'] });
    expect(verifiedActor({ token, id: 'FIN.carol' }, now(), 'approverId')).toEqual({
      ok: true,
      value: {
        id: 'fin.carol',
        role: 'finance_approver',
        by: { subject: 'fin.carol', issuer: LOCAL_ISSUER, keyId: LOCAL_KID },
      },
    });
  });

  test('when the body names someone else, then identity_mismatch (without echoing either ID)', async () => {
    const token = await issueStaffToken({ sub: 'fin.carol', roles: ['finance_approver'] });
    const r = verifiedActor({ token, id: 'fin.dave' }, now(), 'approverId');
    expect(r).toEqual({
      ok: false,
      code: 'identity_mismatch',
      message: "approverId does not name the token's subject",
    });
  });

  test('when the body claims a role the token does not grant, then role_not_in_token', async () => {
    const token = await issueStaffToken({ sub: 'fin.carol', roles: ['finance_approver'] });
    expect(verifiedActor({ token, role: 'finance_director' }, now(), 'approverId')).toMatchObject({
      ok: false,
      code: 'role_not_in_token',
    });
  });

  test('when the token grants no approvals role, then no_approvals_role', async () => {
    const token = await issueStaffToken({ sub: 'ops.frank', roles: ['ops'] });
    const check = verifyStaffToken(token, now());
    if (!check.ok) throw new Error('expected a valid token');
    expect(actingRole(check.identity, undefined)).toMatchObject({ ok: false, code: 'no_approvals_role' });
  });

  test.each([
    ['missing', undefined, 'token_missing'],
    ['garbage', 'abc.def.ghi', 'token_malformed'],
  ])('when the token is %s, then it is refused with its code', (_what, token, code) => {
    expect(verifiedActor({ token, id: 'fin.carol' }, now(), 'approverId')).toMatchObject({ ok: false, code });
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
