import { loadDecisionsConfig } from '../../decisions/config';
import { localSigner } from '../../decisions/signer';
import { staffVerifier, Unauthenticated } from '../../decisions/staff-auth';
import { issueStaffToken, loginAs, startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { loadConfig } from '../../workers/config';
import { verifyCommandAssertion } from '../../workflows/shared/command-assertion';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID, trustedKeys } from '../../workflows/shared/trust';

/**
 * The spend report's team: the identity provider's `team` claim, read by the decision service (never from a body),
 * carried in the command assertion it signs, and taken from there by the workflow.
 */
describe('the staff team claim', () => {
  let idp: IdpSandbox;
  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
  });
  afterAll(async () => idp?.stop());

  const verifier = (env: Record<string, string> = {}) =>
    staffVerifier(loadDecisionsConfig(loadConfig({ PAYOPS_MODE: 'local', IDP_URL: idp.url }), env).oidc);

  test('when a local staff member logs in, then the token carries their team and the service reads it; a token without the claim has no team', async () => {
    const alice = await verifier()(`Bearer ${await loginAs('cs.alice')}`);
    expect(alice).toMatchObject({ subject: 'cs.alice', roles: ['cs_agent', 'tier1'], team: 'cs-berlin' });
    const none = await verifier()(`Bearer ${await issueStaffToken({ sub: 'cs.nobody', roles: ['cs_agent'] })}`);
    expect(none).not.toHaveProperty('team');
  });

  test('when the team claim is not a team name (a list, free text, a formula), then the token is refused naming the claim', async () => {
    for (const team of [['a', 'b'], 'x'.repeat(65), '=HYPERLINK("http://x")', 42]) {
      const token = await issueStaffToken({ sub: 'cs.alice', roles: ['cs_agent'], team });
      await expect(verifier()(`Bearer ${token}`)).rejects.toThrow(Unauthenticated);
      await expect(verifier()(`Bearer ${token}`)).rejects.toThrow(/team claim must be 1-64 letters/);
    }
  });

  test('when DECISIONS_TEAM_CLAIM names another claim, then the team is read from it', async () => {
    const token = await issueStaffToken({ sub: 'cs.alice', roles: ['cs_agent'], team: 'ignored' });
    const withDept = await verifier({ DECISIONS_TEAM_CLAIM: 'nonce' })(
      `Bearer ${await issueStaffToken({ sub: 'cs.alice', roles: ['cs_agent'], nonce: 'cs-porto' })}`,
    );
    expect(withDept.team).toBe('cs-porto');
    expect(await verifier({ DECISIONS_TEAM_CLAIM: 'nonce' })(`Bearer ${token}`)).not.toHaveProperty('team');
  });

  test('when the service signs a command for a staff member with a team, then the workflows read the team from the assertion (and drop one that is not a team name)', async () => {
    const sign = localSigner({ issuer: LOCAL_DECISIONS_ISSUER, kid: LOCAL_DECISIONS_KID });
    const binding = { workflowId: 'compensation-r1', command: 'compensationApproval', args: { a: 1 } };
    const keys = trustedKeys('local', 'decisions');
    const token = await sign({ subject: 'cs.alice', roles: ['cs_agent'], team: 'cs-berlin' }, binding);
    expect(verifyCommandAssertion(token, Date.now(), binding, keys)).toMatchObject({
      ok: true,
      identity: { subject: 'cs.alice', team: 'cs-berlin' },
    });
    const odd = await sign({ subject: 'cs.alice', roles: ['cs_agent'], team: 'line\nbreak' }, binding);
    const checked = verifyCommandAssertion(odd, Date.now(), binding, keys);
    expect(checked.ok && checked.identity).not.toHaveProperty('team');
  });
});
