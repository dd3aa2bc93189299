import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { ConsoleConfig } from './config';

/**
 * The console's browser state, sealed (JWE, dir + A256GCM under the session key: the browser can neither read nor
 * change it) in httpOnly, SameSite=Lax cookies, Secure outside a local plain-HTTP run:
 * - the session: the identity provider's access token (re-verified on every request, so a session ends when the
 *   token does) and the CSRF token every form posts back;
 * - the login in progress (10 minutes, only on the callback path): state, PKCE verifier, nonce, where to return.
 * A `purpose` claim keeps one from being replayed as the other.
 */
export interface ConsoleSession {
  token: string;
  csrf: string;
}

export interface LoginInProgress {
  state: string;
  verifier: string;
  nonce: string;
  returnTo: string;
}

const LOGIN_TTL_S = 600;

const names = (cfg: ConsoleConfig) =>
  cfg.secureCookies
    ? { session: '__Host-payops_session', login: '__Secure-payops_login' }
    : { session: 'payops_session', login: 'payops_login' };

async function seal(cfg: ConsoleConfig, purpose: string, claims: object, expiresAtS: number): Promise<string> {
  return new EncryptJWT({ ...claims, purpose })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(expiresAtS)
    .encrypt(cfg.sessionKey);
}

async function unseal<T>(cfg: ConsoleConfig, purpose: string, sealed: string | undefined): Promise<T | undefined> {
  if (!sealed) return undefined;
  try {
    const { payload } = await jwtDecrypt(sealed, cfg.sessionKey, { keyManagementAlgorithms: ['dir'] });
    return payload['purpose'] === purpose ? (payload as T) : undefined;
  } catch {
    return undefined;
  }
}

const cookieOptions = (cfg: ConsoleConfig, path: string, maxAge: number) => ({
  httpOnly: true,
  secure: cfg.secureCookies,
  sameSite: 'Lax' as const,
  path,
  maxAge,
});

export const randomToken = () => randomBytes(32).toString('base64url');

/** Starts a session for a verified token; it lasts as long as the token (`expiresAtS`, the token's `exp`). */
export async function startSession(c: Context, cfg: ConsoleConfig, token: string, expiresAtS: number): Promise<void> {
  const maxAge = Math.max(0, expiresAtS - Math.floor(Date.now() / 1000));
  const sealed = await seal(cfg, 'session', { token, csrf: randomToken() }, expiresAtS);
  setCookie(c, names(cfg).session, sealed, cookieOptions(cfg, '/', maxAge));
}

export async function readSession(c: Context, cfg: ConsoleConfig): Promise<ConsoleSession | undefined> {
  const s = await unseal<ConsoleSession>(cfg, 'session', getCookie(c, names(cfg).session));
  return s && typeof s.token === 'string' && typeof s.csrf === 'string' ? { token: s.token, csrf: s.csrf } : undefined;
}

export function endSession(c: Context, cfg: ConsoleConfig): void {
  deleteCookie(c, names(cfg).session, { path: '/', secure: cfg.secureCookies });
}

export async function rememberLogin(c: Context, cfg: ConsoleConfig, login: LoginInProgress): Promise<void> {
  const sealed = await seal(cfg, 'login', login, Math.floor(Date.now() / 1000) + LOGIN_TTL_S);
  setCookie(c, names(cfg).login, sealed, cookieOptions(cfg, '/console/callback', LOGIN_TTL_S));
}

/** The login in progress, once: reading it clears it (a callback is answered once). */
export async function takeLogin(c: Context, cfg: ConsoleConfig): Promise<LoginInProgress | undefined> {
  const login = await unseal<LoginInProgress>(cfg, 'login', getCookie(c, names(cfg).login));
  deleteCookie(c, names(cfg).login, { path: '/console/callback', secure: cfg.secureCookies });
  return login;
}

/** The form's CSRF token is the session's (compared in constant time). */
export function csrfMatches(session: ConsoleSession, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
