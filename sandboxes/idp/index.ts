import http from 'node:http';
import { importJWK, SignJWT, type KeyLike } from 'jose';
import { LOCAL_ISSUER, LOCAL_KID, STAFF_AUDIENCE } from '../../workflows/shared/trust';
import { readBody, sendJson, serve, type RunningSandbox } from '../shared/http';
import { LOCAL_SIGNING_JWK, STAFF } from './staff';

/**
 * A small OpenID Connect identity provider for local runs and tests: seeded staff with roles, EdDSA-signed JWTs.
 *
 * - GET /.well-known/openid-configuration · GET /jwks
 * - POST /token `{ username }` (JSON or form, `grant_type=password`; no password locally) → `{ access_token,
 *   token_type: 'Bearer', expires_in }` for a seeded staff member; 401 for anyone else
 * - POST /__admin/tokens `{ sub, roles?, expiresInS?, audience?, issuer?, notBeforeS? }` → `{ token }`: any claims,
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
  expiresInS?: number;
  audience?: string;
  issuer?: string;
  notBeforeS?: number;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ roles: c.roles ?? [], ...(c.name ? { name: c.name } : {}) })
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
  return staff ? issueStaffToken({ sub: username.toLowerCase(), roles: staff.roles, name: staff.name }) : undefined;
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

export async function startIdpSandbox(opts: { port?: number } = {}): Promise<IdpSandbox> {
  const { x } = LOCAL_SIGNING_JWK;
  let base = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/.well-known/openid-configuration')
        return sendJson(res, 200, {
          issuer: LOCAL_ISSUER,
          jwks_uri: `${base}/jwks`,
          token_endpoint: `${base}/token`,
          id_token_signing_alg_values_supported: ['EdDSA'],
          grant_types_supported: ['password'],
        });
      if (req.method === 'GET' && path === '/jwks')
        return sendJson(res, 200, {
          keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid: LOCAL_KID, alg: 'EdDSA', use: 'sig' }],
        });
      const body = parseBody(await readBody(req), req.headers['content-type']);
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
