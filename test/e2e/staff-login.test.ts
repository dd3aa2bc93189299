import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { loadToken, requestToken, saveToken, sessionFile } from '../../scripts/staff-session';
import { verifyStaffToken } from '../../workflows/shared/identity';

describe('staff login against the local identity provider', () => {
  let idp: IdpSandbox;
  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  test('when a seeded staff member logs in, then the saved token verifies as them with their roles', async () => {
    const env = { PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-session-')) };
    saveToken(await requestToken(idp.url, 'Fin.Carol'), sessionFile(env));
    const check = verifyStaffToken(loadToken(env), Date.now());
    expect(check).toMatchObject({ ok: true, identity: { subject: 'fin.carol', roles: ['finance_approver'] } });
  });

  test('when an unknown person logs in, then the identity provider refuses and no token is issued', async () => {
    await expect(requestToken(idp.url, 'mallory')).rejects.toThrow('unknown staff member');
  });

  test('the discovery document and JWKS publish the issuer and the key the workflows trust', async () => {
    const conf = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
    const jwks = (await (await fetch(conf.jwks_uri)).json()) as { keys: Array<{ kid: string; alg: string }> };
    expect(jwks.keys).toEqual([expect.objectContaining({ alg: 'EdDSA', kid: expect.any(String) })]);
  });
});
