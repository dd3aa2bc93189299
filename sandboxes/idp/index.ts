import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { importJWK, SignJWT, type KeyLike } from 'jose';
import { LOCAL_ISSUER, LOCAL_KID, STAFF_AUDIENCE } from '../../workflows/shared/trust';
import { readBody, sendJson, serve, type RunningSandbox } from '../shared/http';
import { authorizationCodes, knownStaff, loginPage, parseAuthorize } from './authorize';
import { LOCAL_SIGNING_JWK, STAFF } from './staff';

/**
 * A small OpenID Connect identity provider for local runs and tests: seeded staff with roles, EdDSA-signed JWTs.
 *
 * - GET /.well-known/openid-configuration · GET /jwks
 * - POST /token `{ username }` (JSON or form, `grant_type=password`; no password locally) → `{ access_token,
 *   token_type: 'Bearer', expires_in }` for a seeded staff member; 401 for anyone else
 * - The device authorization grant (RFC 8628), the login a CLI runs: POST /device_authorization → `{ device_code,
 *   user_code, verification_uri, verification_uri_complete, expires_in, interval }`; GET /device shows the
 *   verification page, POST /device `{ user_code, username }` approves it as that staff member (locally the username
 *   is the whole login); POST /token `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=…` answers
 *   `authorization_pending` until then, then the token once (`expired_token` after 10 minutes)
 * - The authorization code grant with PKCE (authorize.ts), the login a web app (the console) runs: GET /authorize
 *   `?response_type=code&client_id&redirect_uri&state&code_challenge&code_challenge_method=S256[&nonce]` shows the
 *   login page (locally: pick a staff member); POST /authorize redirects to `redirect_uri?code&state`; POST /token
 *   `grant_type=authorization_code&code&redirect_uri&client_id&code_verifier` → `{ access_token, id_token, … }`
 * - POST /__admin/tokens `{ sub, roles?, team?, expiresInS?, audience?, issuer?, notBeforeS? }` → `{ token }`: any claims,
 *   signed with the real key (tests of expired, wrong-audience, wrong-issuer and unknown-role tokens)
 */
export type IdpSandbox = RunningSandbox;

let keyPromise: Promise<KeyLike | Uint8Array> | undefined;
const signingKey = () => (keyPromise ??= importJWK(LOCAL_SIGNING_JWK, 'EdDSA'));

/** Signs a staff token with the local key; defaults: this issuer, the decisions audience, 1 h. */
export async function issueStaffToken(c: {
  sub: string;
  roles?: string[];
  name?: string;
  /** The `team` claim (any JSON value through /__admin/tokens: tests of malformed claims). */
  team?: unknown;
  expiresInS?: number;
  audience?: string;
  issuer?: string;
  notBeforeS?: number;
  nonce?: string;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    roles: c.roles ?? [],
    ...(c.name ? { name: c.name } : {}),
    ...(c.team !== undefined ? { team: c.team } : {}),
    ...(c.nonce ? { nonce: c.nonce } : {}),
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: LOCAL_KID, typ: 'JWT' })
    .setSubject(c.sub)
    .setIssuer(c.issuer ?? LOCAL_ISSUER)
    .setAudience(c.audience ?? STAFF_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (c.expiresInS ?? 3600));
  if (c.notBeforeS !== undefined) jwt.setNotBefore(now + c.notBeforeS);
  return jwt.sign(await signingKey());
}

/** A seeded staff member's token (what `login --as` gets); undefined for an unknown username. */
export async function loginAs(username: string): Promise<string | undefined> {
  const staff = STAFF[username.toLowerCase()];
  return staff
    ? issueStaffToken({ sub: username.toLowerCase(), roles: staff.roles, name: staff.name, team: staff.team })
    : undefined;
}

function parseBody(raw: string, type: string | undefined): Record<string, unknown> {
  if (type?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    const v: unknown = JSON.parse(raw || '{}');
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The device grant's type (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEVICE_CODE_TTL_S = 600;
/** Letters people read off a screen without confusing them (RFC 8628 §6.1: no vowels, no look-alikes). */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/** A pending device login: the user code shown to the person, and the staff member once they approved it. */
interface DeviceLogin {
  userCode: string;
  expiresAtMs: number;
  approvedAs?: string;
}

function userCode(): string {
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The verification page: the user code (prefilled from `verification_uri_complete`) and, locally, a username. */
function verificationPage(code: string, message = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>payops staff login</title></head><body>
<h1>payops staff login</h1>${message ? `<p>${escapeHtml(message)}</p>` : ''}
<form method="post" action="/device">
<label>Code shown by the CLI <input name="user_code" value="${escapeHtml(code)}" autocomplete="off"></label>
<label>Staff ID (local identity provider: no password) <input name="username" autocomplete="username"></label>
<button type="submit">Sign in</button></form></body></html>`;
}

export async function startIdpSandbox(opts: { port?: number } = {}): Promise<IdpSandbox> {
  const { x } = LOCAL_SIGNING_JWK;
  let base = '';
  // Pending device logins by device code (this server's own state; a restart forgets them, as a login should).
  const devices = new Map<string, DeviceLogin>();
  const codes = authorizationCodes();
  const byUserCode = (code: string) =>
    [...devices.values()].find((d) => d.userCode === code.trim().toUpperCase() && d.expiresAtMs > Date.now());
  const html = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/.well-known/openid-configuration')
        return sendJson(res, 200, {
          issuer: LOCAL_ISSUER,
          jwks_uri: `${base}/jwks`,
          token_endpoint: `${base}/token`,
          authorization_endpoint: `${base}/authorize`,
          device_authorization_endpoint: `${base}/device_authorization`,
          id_token_signing_alg_values_supported: ['EdDSA'],
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          grant_types_supported: ['password', 'authorization_code', DEVICE_CODE_GRANT],
        });
      if (req.method === 'GET' && path === '/jwks')
        return sendJson(res, 200, {
          keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid: LOCAL_KID, alg: 'EdDSA', use: 'sig' }],
        });
      if (req.method === 'GET' && path === '/device') {
        const code = new URL(req.url ?? '/', 'http://idp').searchParams.get('user_code') ?? '';
        return html(res, 200, verificationPage(code));
      }
      if (req.method === 'GET' && path === '/authorize') {
        const asked = parseAuthorize(Object.fromEntries(new URL(req.url ?? '/', 'http://idp').searchParams));
        if ('error' in asked) return html(res, 400, `<!doctype html><p>${asked.error}</p>`);
        return html(res, 200, loginPage(asked));
      }
      const body = parseBody(await readBody(req), req.headers['content-type']);
      if (req.method === 'POST' && path === '/authorize') {
        const asked = parseAuthorize(body);
        if ('error' in asked) return html(res, 400, `<!doctype html><p>${asked.error}</p>`);
        if (!knownStaff(body['username'])) return html(res, 401, loginPage(asked));
        const code = codes.issue(asked, body['username'].trim().toLowerCase());
        const to = new URL(asked.redirectUri);
        to.searchParams.set('code', code);
        to.searchParams.set('state', asked.state);
        res.writeHead(302, { Location: to.toString() });
        return res.end();
      }
      if (req.method === 'POST' && path === '/token' && body['grant_type'] === 'authorization_code') {
        const redeemed = codes.redeem(body);
        if ('error' in redeemed) return sendJson(res, 400, { error: redeemed.error });
        const staff = STAFF[redeemed.username]!;
        const idToken = await issueStaffToken({
          sub: redeemed.username,
          roles: staff.roles,
          name: staff.name,
          team: staff.team,
          audience: redeemed.clientId,
          ...(redeemed.nonce ? { nonce: redeemed.nonce } : {}),
        });
        const token = await loginAs(redeemed.username);
        return sendJson(res, 200, { access_token: token, id_token: idToken, token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.method === 'POST' && path === '/device_authorization') {
        const deviceCode = `${randomUUID()}${randomBytes(16).toString('base64url')}`;
        const login = { userCode: userCode(), expiresAtMs: Date.now() + DEVICE_CODE_TTL_S * 1000 };
        devices.set(deviceCode, login);
        return sendJson(res, 200, {
          device_code: deviceCode,
          user_code: login.userCode,
          verification_uri: `${base}/device`,
          verification_uri_complete: `${base}/device?user_code=${login.userCode}`,
          expires_in: DEVICE_CODE_TTL_S,
          interval: 1,
        });
      }
      if (req.method === 'POST' && path === '/device') {
        const login = typeof body['user_code'] === 'string' ? byUserCode(body['user_code']) : undefined;
        const username = typeof body['username'] === 'string' ? body['username'].trim().toLowerCase() : '';
        if (!login) return html(res, 400, verificationPage('', 'That code is unknown or expired: log in again.'));
        if (!STAFF[username]) return html(res, 401, verificationPage(login.userCode, 'Unknown staff member.'));
        login.approvedAs = username;
        return html(res, 200, '<!doctype html><p>Signed in. You can close this page and return to the CLI.</p>');
      }
      if (req.method === 'POST' && path === '/token' && body['grant_type'] === DEVICE_CODE_GRANT) {
        const deviceCode = typeof body['device_code'] === 'string' ? body['device_code'] : '';
        const login = devices.get(deviceCode);
        if (!login || login.expiresAtMs <= Date.now()) {
          devices.delete(deviceCode);
          return sendJson(res, 400, { error: 'expired_token', error_description: 'log in again' });
        }
        if (!login.approvedAs) return sendJson(res, 400, { error: 'authorization_pending' });
        devices.delete(deviceCode); // a device code yields one token
        const token = await loginAs(login.approvedAs);
        return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.method === 'POST' && path === '/token') {
        const token = typeof body['username'] === 'string' ? await loginAs(body['username']) : undefined;
        if (!token) return sendJson(res, 401, { error: 'invalid_grant', error_description: 'unknown staff member' });
        return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.method === 'POST' && path === '/__admin/tokens') {
        if (typeof body['sub'] !== 'string') return sendJson(res, 400, { error: 'sub is required' });
        return sendJson(res, 200, { token: await issueStaffToken(body as Parameters<typeof issueStaffToken>[0]) });
      }
      sendJson(res, 404, { error: 'not found' });
    })().catch(() => sendJson(res, 500, { error: 'server_error' }));
  });
  const running = await serve(server, opts.port);
  base = running.url;
  return running;
}
