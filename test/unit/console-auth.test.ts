import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { loadConsoleConfig, type ConsoleConfig } from '../../decisions/console/config';
import { loadDecisionsConfig } from '../../decisions/config';
import { createDecisionsHandler } from '../../decisions/lambda';
import { startDecisionService } from '../../decisions/server';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import { loadConfig, type AppConfig } from '../../workers/config';
import { functionUrlFront } from '../support/ingress';

/**
 * The console's sign-in, session and form protection through both front doors (the long-lived server, and the Lambda
 * handler behind a function URL stand-in), against the local identity provider. No Temporal: these pages read
 * nothing from it. The pages themselves are tested in Chromium (test/browser/console.test.ts).
 */

type Door = { url: string; stop(): Promise<void> };

/** A console session cookie from the code flow, done by hand as a browser would (cookies carried explicitly). */
async function signIn(base: string, idpUrl: string, username: string) {
  const start = await fetch(`${base}/console/login?return=/console`, { redirect: 'manual' });
  const loginCookie = start.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const authorize = new URL(start.headers.get('location') ?? '');
  expect(authorize.origin).toBe(new URL(idpUrl).origin);
  const form = new URLSearchParams(Object.fromEntries(authorize.searchParams));
  form.set('username', username);
  const picked = await fetch(`${idpUrl}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  const callback = picked.headers.get('location') ?? '';
  const back = await fetch(callback, { headers: { cookie: loginCookie }, redirect: 'manual' });
  const setCookies = back.headers.getSetCookie();
  const session = setCookies.find((c) => /payops_session=[^;]/.test(c)) ?? '';
  return { back, callback, loginCookie, session, cookie: session.split(';')[0] ?? '', authorize };
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]*)"/.exec(page)?.[1] ?? '';

describe.each<['server' | 'lambda']>([['server'], ['lambda']])('console sign-in through the %s door', (door) => {
  let idp: IdpSandbox;
  let service: Door;
  let base: string;

  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
    const config: AppConfig = loadConfig({ PAYOPS_MODE: 'local', IDP_URL: idp.url });
    const opts = { config, decisions: loadDecisionsConfig(config, {}), client: {} as Client };
    if (door === 'server') {
      service = await startDecisionService({ ...opts, console: loadConsoleConfig(config, {}), port: 0 });
    } else {
      // On Lambda the request URL is the function URL's; here a name in front of it, as DECISIONS_CONSOLE_URL says.
      const front: { handler?: ReturnType<typeof createDecisionsHandler> } = {};
      service = await functionUrlFront(((e, c) => front.handler!(e, c)) as Parameters<typeof functionUrlFront>[0]);
      const console = loadConsoleConfig(config, { DECISIONS_CONSOLE_URL: service.url });
      front.handler = createDecisionsHandler({ ...opts, console });
    }
    base = service.url;
  });
  afterAll(async () => {
    await service?.stop();
    await idp?.stop();
  });

  test('when a person signs in with the code flow, then a sealed httpOnly SameSite=Lax session opens the home page under a strict CSP', async () => {
    const { back, session, cookie } = await signIn(base, idp.url, 'fin.dave');
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/console');
    expect(session).toMatch(/^payops_session=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0\.\./); // JWE dir+A256GCM
    expect(session).toContain('HttpOnly');
    expect(session).toContain('SameSite=Lax');
    expect(session).toContain('Path=/');
    const home = await fetch(`${base}/console`, { headers: { cookie } });
    expect(home.status).toBe(200);
    const text = await home.text();
    expect(text).toMatch(/\(fin\.dave;\s+finance_manager\)/);
    expect(text).toContain('href="/console/approvals"');
    expect(text).not.toContain('href="/console/payouts"');
    const csp = home.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    const css = await fetch(`${base}/console/assets/console.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  test('when the callback carries another state, or a code is used twice, then no session starts', async () => {
    const first = await signIn(base, idp.url, 'fin.carol');
    expect(first.session).not.toBe('');
    // The same callback again (the code is spent, and the login cookie was cleared by the first answer).
    const replay = await fetch(first.callback, { headers: { cookie: first.loginCookie }, redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(replay.headers.getSetCookie().some((c) => /payops_session=[^;]/.test(c))).toBe(false);

    const start = await fetch(`${base}/console/login`, { redirect: 'manual' });
    const loginCookie = start.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const forged = await fetch(`${base}/console/callback?code=anything&state=not-mine`, {
      headers: { cookie: loginCookie },
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('unknown or expired');
  });

  test('when the session cookie is altered or absent, then pages send the person to sign in and posts are refused 401', async () => {
    const { cookie } = await signIn(base, idp.url, 'ops.frank');
    const [name, value] = cookie.split('=') as [string, string];
    const flipped = `${name}=${value.slice(0, -4)}${value.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    for (const c of [flipped, '']) {
      const res = await fetch(`${base}/console/payouts`, { headers: { cookie: c }, redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/login?return=%2Fconsole%2Fpayouts');
    }
    const post = await fetch(`${base}/console/logout`, {
      method: 'POST',
      headers: { cookie: flipped, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(post.status).toBe(401);
  });

  test('when a form is posted without the CSRF token or from another origin, then it is refused 403; with both, sign-out clears the session', async () => {
    const { cookie } = await signIn(base, idp.url, 'legal.grace');
    const home = await (await fetch(`${base}/console`, { headers: { cookie } })).text();
    const token = csrfOf(home);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const logout = (headers: Record<string, string>, body: string) =>
      fetch(`${base}/console/logout`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
        redirect: 'manual',
      });
    expect((await logout({ origin: base }, '')).status).toBe(403);
    expect((await logout({ origin: base }, `_csrf=${'x'.repeat(43)}`)).status).toBe(403);
    expect((await logout({ origin: 'https://evil.example' }, `_csrf=${token}`)).status).toBe(403);
    const out = await logout({ origin: base }, `_csrf=${token}`);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/signed-out');
    expect(out.headers.getSetCookie().find((c) => c.startsWith('payops_session='))).toMatch(/Max-Age=0/);
  });
});

describe('the local identity provider: authorization code with PKCE', () => {
  let idp: IdpSandbox;
  beforeAll(async () => {
    idp = await startIdpSandbox({ port: 0 });
  });
  afterAll(() => idp?.stop());

  const verifier = randomBytes(32).toString('base64url');
  const params = (over: Record<string, string> = {}) =>
    new URLSearchParams({
      response_type: 'code',
      client_id: 'payops-console',
      redirect_uri: 'http://127.0.0.1:9/console/callback',
      state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...over,
    });

  test('when the redirect URI is not a loopback URL or PKCE is missing or plain, then the provider refuses to show the login', async () => {
    const refused: Array<Record<string, string>> = [
      { redirect_uri: 'https://evil.example/cb' },
      { code_challenge_method: 'plain' },
      { code_challenge: '' },
    ];
    for (const over of refused) {
      const res = await fetch(`${idp.url}/authorize?${params(over).toString()}`);
      expect({ over, status: res.status }).toEqual({ over, status: 400 });
    }
    const ok = await fetch(`${idp.url}/authorize?${params().toString()}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Dave (finance manager)');
  });

  test('when the code is exchanged with another verifier or redirect URI, then the token endpoint answers invalid_grant; the right one gets tokens once', async () => {
    const code = async () => {
      const form = params();
      form.set('username', 'fin.dave');
      const res = await fetch(`${idp.url}/authorize`, { method: 'POST', body: form, redirect: 'manual' });
      return new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    const exchange = (c: string, over: Record<string, string> = {}) =>
      fetch(`${idp.url}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: c,
          client_id: 'payops-console',
          redirect_uri: 'http://127.0.0.1:9/console/callback',
          code_verifier: verifier,
          ...over,
        }),
      });
    const wrongVerifier = await exchange(await code(), { code_verifier: randomBytes(32).toString('base64url') });
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toEqual({ error: 'invalid_grant' });
    expect((await exchange(await code(), { redirect_uri: 'http://127.0.0.1:9/other' })).status).toBe(400);

    const c = await code();
    const good = await exchange(c);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    expect((await exchange(c)).status).toBe(400);
  });
});

describe('console configuration', () => {
  const aws = loadConfig({ PAYOPS_MODE: 'local' });
  const awsMode = { ...aws, PAYOPS_MODE: 'aws' as const };

  test('when the service runs outside local mode without the console settings, then the console is off, naming them', () => {
    expect(loadConsoleConfig(awsMode, {})).toEqual({
      off: 'the console is not configured (DECISIONS_CONSOLE_CLIENT_ID, DECISIONS_CONSOLE_SESSION_KEY)',
    });
  });

  test('when the console settings are given outside local mode, then its cookies are Secure', () => {
    const cfg = loadConsoleConfig(awsMode, {
      DECISIONS_CONSOLE_CLIENT_ID: 'payops-console',
      DECISIONS_CONSOLE_SESSION_KEY: randomBytes(32).toString('base64url'),
    }) as ConsoleConfig;
    expect(cfg.secureCookies).toBe(true);
    expect(cfg.sessionKey).toHaveLength(32);
    expect(() => loadConsoleConfig(awsMode, { DECISIONS_CONSOLE_SESSION_KEY: 'short' })).toThrow(
      /DECISIONS_CONSOLE_SESSION_KEY: must be 32 random bytes/,
    );
  });
});
