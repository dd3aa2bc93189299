import { ApplicationFailure } from '@temporalio/common';
import { issueStaffToken } from '../../sandboxes/idp';
import { acceptedStaff, requireStaff, type StaffClaims } from '../../workflows/shared/verified-staff';

/** The check the dispute and payout ops validators make before their own rules (pure; no server needed). */
describe('requireStaff (who sent a staff command, and whether the body agrees)', () => {
  const refusedWith = (
    token: unknown,
    claims: StaffClaims = {},
  ): { type?: string; code?: unknown; message: string } => {
    try {
      requireStaff(token, Date.now(), claims);
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      const f = err as ApplicationFailure;
      return { type: f.type ?? undefined, code: (f.details?.[0] as { code?: unknown }).code, message: f.message };
    }
    throw new Error('not refused');
  };

  test('when the token is valid and the body agrees (in any case), then the token identity is returned', async () => {
    const token = await issueStaffToken({ sub: 'Compliance.Hana', roles: ['Compliance', 'ops'] });
    const who = requireStaff(token, Date.now(), {
      id: { field: 'operator', value: 'COMPLIANCE.hana' },
      role: { field: 'tier', value: 'compliance' },
      anyOf: ['compliance'],
    });
    expect(who).toMatchObject({ subject: 'compliance.hana', roles: ['Compliance', 'ops'] });
    expect(acceptedStaff(token, Date.now())).toEqual(who);
  });

  test('when the body names someone else, claims a role the token lacks, or the token holds none of the needed roles, then each is refused Unauthorized with its code', async () => {
    const token = await issueStaffToken({ sub: 'cs.alice', roles: ['tier1'] });
    expect(refusedWith(token, { id: { field: 'by', value: 'cs.bob' } })).toEqual({
      type: 'Unauthorized',
      code: 'identity_mismatch',
      message: 'by: cs.bob is not the signed-in staff member',
    });
    expect(refusedWith(token, { role: { field: 'tier', value: 'tier2' } })).toMatchObject({
      code: 'role_not_in_token',
      message: expect.stringContaining('tier: tier2'),
    });
    expect(refusedWith(token, { anyOf: ['ops', 'compliance'] })).toMatchObject({ code: 'missing_role' });
  });

  test('when the token is missing or invalid, then the refusal names the token field and never quotes it', async () => {
    const expired = await issueStaffToken({ sub: 'ops.frank', roles: ['ops'], expiresInS: -600 });
    const refused = refusedWith(expired);
    expect(refused).toMatchObject({ type: 'Unauthorized', code: 'token_expired', message: 'token: expired' });
    expect(refused.message).not.toContain(expired);
    expect(refusedWith(undefined)).toMatchObject({ code: 'token_missing' });
    // A handler replaying a command recorded before tokens finds none: it falls back to the body.
    expect(acceptedStaff(undefined, Date.now())).toBeUndefined();
  });
});
