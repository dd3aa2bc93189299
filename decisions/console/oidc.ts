import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { DecisionsConfig } from '../config';
import type { StaffVerifier } from '../staff-auth';
import type { ConsoleConfig } from './config';
import { randomToken, rememberLogin, startSession, takeLogin } from './session';

/**
 * Signing in to the console: OpenID Connect's authorization code flow with PKCE (S256) at the provider the decision
 * service already trusts (its discovery document: the local sandbox, or any standard provider). The access token that
 * comes back is checked by the API's own verifier (issuer, audience, signature) before a session starts, so the
 * console's staff are exactly the API's.
 */

const discoverySchema = z.object({
  issuer: z.string().min(1),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
});
type Discovery = z.infer<typeof discoverySchema>;

/** Where a sign-in may return to: a console page, never another site. */
export const safeReturn = (to: string | undefined) =>
  to && /^\/console(\/[A-Za-z0-9/_.:?=&%-]*)?$/.test(to) ? to : '/console';

export function oidcLogin(oidc: DecisionsConfig['oidc'], cfg: ConsoleConfig, verify: StaffVerifier) {
  let discovered: Promise<Discovery> | undefined;
  const discovery = () =>
    (discovered ??= (async () => {
      const res = await fetch(oidc.discoveryUrl);
      if (!res.ok) throw new Error(`identity provider discovery: HTTP ${res.status}`);
      const doc = discoverySchema.parse(await res.json());
      if (doc.issuer !== oidc.issuer) throw new Error('identity provider discovery names another issuer');
      return doc;
    })().catch((err: unknown) => {
      discovered = undefined;
      throw err;
    }));
  const redirectUri = (c: Context) => `${cfg.publicUrl ?? new URL(c.req.url).origin}/console/callback`;

  return {
    /** Sends the browser to the provider with a fresh state, nonce and PKCE challenge (kept sealed in a cookie). */
    async start(c: Context): Promise<Response> {
      const doc = await discovery();
      const login = { state: randomToken(), verifier: randomToken(), nonce: randomToken(), returnTo: '' };
      login.returnTo = safeReturn(c.req.query('return'));
      await rememberLogin(c, cfg, login);
      const to = new URL(doc.authorization_endpoint);
      to.search = new URLSearchParams({
        response_type: 'code',
        client_id: cfg.clientId,
        redirect_uri: redirectUri(c),
        scope: 'openid profile',
        state: login.state,
        nonce: login.nonce,
        code_challenge: createHash('sha256').update(login.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      return c.redirect(to.toString(), 302);
    },

    /**
     * The provider's answer: the state must be the one this browser's login holds; the code is exchanged with its
     * PKCE verifier; the token is verified like any API call's. Returns where to go, or why sign-in failed.
     */
    async finish(c: Context): Promise<{ returnTo: string } | { error: string }> {
      const login = await takeLogin(c, cfg);
      const state = c.req.query('state');
      if (!login || !state || state !== login.state)
        return { error: 'This sign-in is unknown or expired (or was started in another browser): sign in again.' };
      const providerError = c.req.query('error');
      if (providerError) return { error: `The identity provider refused the sign-in (${providerError}).` };
      const code = c.req.query('code');
      if (!code) return { error: 'The identity provider sent no code: sign in again.' };
      const doc = await discovery();
      const res = await fetch(doc.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri(c),
          client_id: cfg.clientId,
          code_verifier: login.verifier,
          ...(cfg.clientSecret ? { client_secret: cfg.clientSecret } : {}),
        }).toString(),
      });
      const body = (await res.json().catch(() => ({}))) as { access_token?: unknown };
      if (!res.ok || typeof body.access_token !== 'string')
        return { error: `The identity provider did not issue a token (HTTP ${res.status}): sign in again.` };
      await verify(`Bearer ${body.access_token}`);
      const exp = decodeJwt(body.access_token).exp ?? Math.floor(Date.now() / 1000) + 3600;
      await startSession(c, cfg, body.access_token, exp);
      return { returnTo: login.returnTo };
    },
  };
}
