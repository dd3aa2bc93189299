import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { deviceLogin, loadToken, requestToken, saveToken, sessionFile } from '../../scripts/staff-session';
import { verifyStaffToken } from '../../workflows/shared/identity';

describe('staff login against the local identity provider', () => {
  let idp: IdpSandbox;
  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
  });
  afterAll(async () => {
    await idp?.stop();
  });

  test('when a seeded staff member completes the device login, then the token verifies as them with their roles', async () => {
    const env = { PAYOPS_HOME: mkdtempSync(join(tmpdir(), 'payops-session-')) };
    saveToken(await deviceLogin(idp.url, { completeAs: 'Fin.Carol' }), sessionFile(env));
    const check = verifyStaffToken(loadToken(env), Date.now());
    expect(check).toMatchObject({ ok: true, identity: { subject: 'fin.carol', roles: ['finance_approver'] } });
  });

  test('when a device login is not approved yet, then the token endpoint answers authorization_pending; after the verification page, the token once', async () => {
    const form = (body: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    const started = (await (
      await fetch(`${idp.url}/device_authorization`, form({ client_id: 'payops-cli' }))
    ).json()) as {
      device_code: string;
      user_code: string;
      verification_uri: string;
    };
    const poll = () =>
      fetch(
        `${idp.url}/token`,
        form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.device_code }),
      );
    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(await pending.json()).toEqual({ error: 'authorization_pending' });

    const page = await fetch(`${started.verification_uri}?user_code=${started.user_code}`);
    expect(await page.text()).toContain(started.user_code);
    expect(
      (await fetch(started.verification_uri, form({ user_code: started.user_code, username: 'mallory' }))).status,
    ).toBe(401);
    expect(
      (await fetch(started.verification_uri, form({ user_code: started.user_code, username: 'ops.frank' }))).status,
    ).toBe(200);

    const granted = (await (await poll()).json()) as { access_token: string };
    expect(verifyStaffToken(granted.access_token, Date.now())).toMatchObject({
      ok: true,
      identity: { subject: 'ops.frank' },
    });
    expect(await (await poll()).json()).toMatchObject({ error: 'expired_token' });
  });

  test('when an unknown person completes a device login, then it is refused', async () => {
    await expect(deviceLogin(idp.url, { completeAs: 'mallory' })).rejects.toThrow('unknown staff member');
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

  test('the discovery document advertises the device login and the JWKS publishes the key the workflows trust', async () => {
    const conf = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
      device_authorization_endpoint: string;
      grant_types_supported: string[];
    };
    expect(conf.device_authorization_endpoint).toBe(`${idp.url}/device_authorization`);
    expect(conf.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:device_code');
    const jwks = (await (await fetch(conf.jwks_uri)).json()) as { keys: Array<{ kid: string; alg: string }> };
    expect(jwks.keys).toEqual([expect.objectContaining({ alg: 'EdDSA', kid: expect.any(String) })]);
  });
});
