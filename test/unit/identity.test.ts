import { generateKeyPair, SignJWT } from 'jose';
import { issueStaffToken } from '../../sandboxes/idp';
import { caseFold, verifyStaffToken } from '../../workflows/shared/identity';
import { LOCAL_ISSUER, LOCAL_KID, STAFF_AUDIENCE, trustedKeys } from '../../workflows/shared/trust';

const now = () => Date.now();

describe('verifyStaffToken (the check every human decision passes inside the workflow)', () => {
  test('when the token is signed by the local identity provider, then the subject (case-folded), roles, issuer and key come from its claims', async () => {
    const token = await issueStaffToken({ sub: 'Fin.Carol', roles: ['finance_approver'], name: 'Carol' });
    expect(verifyStaffToken(token, now())).toEqual({
      ok: true,
      identity: {
        subject: 'fin.carol',
        issuer: LOCAL_ISSUER,
        keyId: LOCAL_KID,
        roles: ['finance_approver'],
        name: 'Carol',
      },
    });
  });

  test('when a token is signed by an attacker under the trusted key ID, then it is refused as a bad signature', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ roles: ['finance_director'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: LOCAL_KID })
      .setSubject('mallory')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(STAFF_AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(verifyStaffToken(forged, now())).toMatchObject({ ok: false, code: 'token_bad_signature' });
  });

  test('when a claim of a valid token is edited (a role added), then the signature no longer verifies', async () => {
    const [h, p, s] = (await issueStaffToken({ sub: 'cs.alice', roles: ['cs_agent'] })).split('.');
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, roles: ['finance_director'] })).toString('base64url');
    expect(verifyStaffToken(`${h}.${edited}.${s}`, now())).toMatchObject({ ok: false, code: 'token_bad_signature' });
  });

  test.each([
    ['expired', { expiresInS: -120 }, 'token_expired'],
    ['for another audience', { audience: 'some-other-app' }, 'token_wrong_audience'],
    ['from another issuer (signed with the trusted key)', { issuer: 'https://evil.example' }, 'token_wrong_issuer'],
    ['not valid yet', { notBeforeS: 600 }, 'token_not_yet_valid'],
  ])('when the token is %s, then it is refused', async (_what, claims, code) => {
    const token = await issueStaffToken({ sub: 'fin.carol', roles: ['finance_approver'], ...claims });
    expect(verifyStaffToken(token, now())).toMatchObject({ ok: false, code });
  });

  test.each([
    ['missing', undefined, 'token_missing'],
    ['empty', '', 'token_missing'],
    ['not a JWT', 'hello', 'token_malformed'],
    ['unsigned (alg none)', `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`, 'token_malformed'],
  ])('when the token is %s, then it is refused without throwing', (_what, token, code) => {
    expect(verifyStaffToken(token, now())).toMatchObject({ ok: false, code });
  });

  test('when the token is checked at a workflow time before its key was trusted, then the key is not trusted then', async () => {
    const token = await issueStaffToken({ sub: 'fin.carol' });
    expect(verifyStaffToken(token, Date.parse('2025-06-01T00:00:00Z'))).toMatchObject({
      ok: false,
      code: 'token_untrusted_key',
    });
  });

  test('when the bundle is built for AWS, then the local identity provider (its private key is in the repo) is not trusted', async () => {
    const token = await issueStaffToken({ sub: 'fin.carol' });
    expect(trustedKeys('aws').some((k) => k.kid === LOCAL_KID)).toBe(false);
    expect(verifyStaffToken(token, now(), trustedKeys('aws'))).toMatchObject({
      ok: false,
      code: 'token_untrusted_key',
    });
  });

  test('IDs are compared case-folded', () => {
    expect(caseFold('Fin.CAROL')).toBe(caseFold('fin.carol'));
  });
});
