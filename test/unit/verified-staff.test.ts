import { ApplicationFailure } from '@temporalio/common';
import { AcceptedAssertions, type CommandBinding } from '../../workflows/shared/command-assertion';
import {
  acceptStaffCommand,
  actingRole,
  requireStaffCommand,
  type StaffClaims,
} from '../../workflows/shared/verified-staff';
import { mintAssertion, staffToken } from '../support/staff';

/** The one staff check every domain's validators make before their own rules (pure; no server needed). */
describe('requireStaffCommand (who sent a staff command, and whether the body agrees)', () => {
  const binding: CommandBinding = {
    workflowId: 'payout-p1',
    runId: 'run-1',
    command: 'holdPayout',
    args: { reason: 'r' },
  };
  const refusedWith = (
    token: unknown,
    claims: StaffClaims = {},
    accepted = new AcceptedAssertions(),
  ): { type?: string; code?: unknown; message: string } => {
    try {
      requireStaffCommand(token, Date.now(), binding, accepted, claims);
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      const f = err as ApplicationFailure;
      return { type: f.type ?? undefined, code: (f.details?.[0] as { code?: unknown }).code, message: f.message };
    }
    throw new Error('not refused');
  };

  test('when the assertion is valid and the body agrees (in any case), then its identity is returned and the handler uses it once', async () => {
    const token = await mintAssertion(binding, { sub: 'Compliance.Hana', roles: ['Compliance', 'ops'] });
    const accepted = new AcceptedAssertions();
    const who = requireStaffCommand(token, Date.now(), binding, accepted, {
      id: { field: 'operator', value: 'COMPLIANCE.hana' },
      role: { field: 'tier', value: 'compliance' },
      anyOf: ['compliance'],
    });
    expect(who).toMatchObject({ subject: 'compliance.hana', roles: ['Compliance', 'ops'] });
    expect(acceptStaffCommand(token, Date.now(), binding, accepted)).toEqual(who);
    expect(refusedWith(token, {}, accepted)).toMatchObject({ type: 'Unauthorized', code: 'assertion_replayed' });
    expect(() => acceptStaffCommand(token, Date.now(), binding, accepted)).toThrow(/assertion_replayed/);
  });

  test('when the body names someone else, claims a role the assertion lacks, or it holds none of the needed roles, then each is refused Unauthorized with its code', async () => {
    const token = await mintAssertion(binding, { sub: 'cs.alice', roles: ['tier1'] });
    expect(refusedWith(token, { id: { field: 'by', value: 'cs.bob' } })).toEqual({
      type: 'Unauthorized',
      code: 'identity_mismatch',
      message: 'identity_mismatch: by: cs.bob is not the signed-in staff member',
    });
    expect(refusedWith(token, { role: { field: 'tier', value: 'tier2' } })).toMatchObject({
      code: 'role_not_in_token',
      message: expect.stringContaining('tier: tier2'),
    });
    expect(refusedWith(token, { anyOf: ['ops', 'compliance'] })).toMatchObject({ code: 'missing_role' });
  });

  test('when the token is missing, invalid or an identity provider token, then the refusal never quotes it', async () => {
    const idp = await staffToken('ops.frank', ['ops']);
    const refused = refusedWith(idp);
    expect(refused).toMatchObject({ type: 'Unauthorized', code: 'token_untrusted_key' });
    expect(refused.message).not.toContain(idp);
    expect(refusedWith(undefined)).toMatchObject({ code: 'token_missing' });
  });

  test('when a handler replays a history, then it takes an IdP token recorded before assertions, and nothing for a tokenless command', async () => {
    const idp = await staffToken('Ops.Frank', ['ops']);
    expect(acceptStaffCommand(idp, Date.now(), binding, new AcceptedAssertions())).toMatchObject({
      subject: 'ops.frank',
    });
    expect(acceptStaffCommand(undefined, Date.now(), binding, new AcceptedAssertions())).toBeUndefined();
  });

  test('when roles differ only in case, then the acting role is found (case-folded everywhere), else the domain code', async () => {
    const token = await mintAssertion(binding, { sub: 'fin.carol', roles: ['Finance_Manager', 'CS_AGENT'] });
    const who = requireStaffCommand(token, Date.now(), binding, new AcceptedAssertions());
    const ranked = ['cs_agent', 'finance_approver', 'finance_manager'] as const;
    expect(actingRole(who, undefined, ranked)).toEqual({ ok: true, value: 'finance_manager' });
    expect(actingRole(who, 'cs_agent', ranked)).toEqual({ ok: true, value: 'cs_agent' });
    expect(actingRole(who, 'finance_approver', ranked)).toMatchObject({ ok: false, code: 'role_not_in_token' });
    expect(actingRole(who, undefined, ['tier1'], 'no_approvals_role')).toMatchObject({ code: 'no_approvals_role' });
  });
});
