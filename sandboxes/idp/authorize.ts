import { createHash, randomBytes } from 'node:crypto';
import { STAFF } from './staff';

/**
 * The local identity provider's authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, S256 only): what a web
 * app such as the console signs staff in with. Locally the sign-in is picking who you are from the staff directory;
 * a real provider asks for credentials at this step. A code lives 60 s, answers one token request, and only to the
 * client, redirect URI and verifier that asked for it.
 */

const CODE_TTL_MS = 60_000;

/** What the app asked for at `/authorize` (the query of the GET, the hidden fields of the login form). */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  nonce?: string;
  scope: string;
}

/** An issued code, until it is exchanged or expires. */
interface IssuedCode extends AuthorizeRequest {
  username: string;
  expiresAtMs: number;
}

/**
 * Local redirect URIs only (a loopback host on any port): the sandbox registers no clients, so this is what keeps a
 * code from being sent to another site.
 */
function loopback(uri: string): boolean {
  try {
    const u = new URL(uri);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    );
  } catch {
    return false;
  }
}

const b64url = /^[A-Za-z0-9_-]{43}$/;

/** The request's parameters, or why it cannot go on (shown on the provider's page, never redirected). */
export function parseAuthorize(p: Record<string, unknown>): AuthorizeRequest | { error: string } {
  const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
  if (s('response_type') !== 'code') return { error: 'response_type must be code' };
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(s('client_id'))) return { error: 'client_id is required' };
  if (!loopback(s('redirect_uri'))) return { error: 'redirect_uri must be a loopback URL locally' };
  if (!s('state') || s('state').length > 512) return { error: 'state is required' };
  if (s('code_challenge_method') !== 'S256' || !b64url.test(s('code_challenge')))
    return { error: 'PKCE is required: code_challenge (S256) and code_challenge_method=S256' };
  return {
    clientId: s('client_id'),
    redirectUri: s('redirect_uri'),
    state: s('state'),
    codeChallenge: s('code_challenge'),
    scope: s('scope') || 'openid',
    ...(s('nonce') ? { nonce: s('nonce') } : {}),
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The login page: the request's parameters carried in hidden fields, one button per staff member. */
export function loginPage(r: AuthorizeRequest): string {
  const hidden = Object.entries({
    response_type: 'code',
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    state: r.state,
    code_challenge: r.codeChallenge,
    code_challenge_method: 'S256',
    scope: r.scope,
    ...(r.nonce ? { nonce: r.nonce } : {}),
  })
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
    .join('');
  const people = Object.entries(STAFF)
    .map(
      ([id, s]) =>
        `<li><button type="submit" name="username" value="${escapeHtml(id)}">${escapeHtml(s.name)}</button> <code>${escapeHtml(id)}</code> · ${escapeHtml(s.roles.join(', '))}</li>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>payops staff sign-in</title></head><body>
<main><h1>payops staff sign-in</h1>
<p>Local identity provider: choose who you are (a real provider asks for your credentials here).</p>
<form method="post" action="/authorize">${hidden}<ul>
${people}
</ul></form></main></body></html>`;
}

/** The codes issued and not yet exchanged (the sandbox's own memory). */
export function authorizationCodes() {
  const codes = new Map<string, IssuedCode>();
  return {
    issue(r: AuthorizeRequest, username: string): string {
      const code = randomBytes(32).toString('base64url');
      codes.set(code, { ...r, username, expiresAtMs: Date.now() + CODE_TTL_MS });
      return code;
    },
    /** The staff member a code was issued for, if every binding matches; a code answers once, right or wrong. */
    redeem(p: Record<string, unknown>): { username: string; nonce?: string; clientId: string } | { error: string } {
      const code = typeof p['code'] === 'string' ? p['code'] : '';
      const issued = codes.get(code);
      codes.delete(code);
      if (!issued || issued.expiresAtMs <= Date.now()) return { error: 'invalid_grant' };
      if (p['client_id'] !== issued.clientId || p['redirect_uri'] !== issued.redirectUri)
        return { error: 'invalid_grant' };
      const verifier = typeof p['code_verifier'] === 'string' ? p['code_verifier'] : '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || challenge !== issued.codeChallenge)
        return { error: 'invalid_grant' };
      return { username: issued.username, clientId: issued.clientId, ...(issued.nonce ? { nonce: issued.nonce } : {}) };
    },
  };
}

export const knownStaff = (username: unknown): username is string =>
  typeof username === 'string' && STAFF[username.trim().toLowerCase()] !== undefined;
