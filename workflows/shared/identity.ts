import { ed25519 } from '@noble/curves/ed25519';
import { STAFF_AUDIENCE, trustedKeys, type TrustedKey } from './trust';

/**
 * Verified staff identity from a signed token (JWT, EdDSA), checked synchronously inside the workflow: in update
 * validators before anything reaches history, and in signal handlers. Pure and deterministic: the keys come from the
 * versioned trust configuration (`trust.ts`) and the time is the caller's (workflow time).
 */

/** Who decided, as the token proves it. `subject` is case-folded: compare IDs only through {@link caseFold}. */
export interface StaffIdentity {
  subject: string;
  issuer: string;
  keyId: string;
  roles: string[];
  name?: string;
  /** The staff member's team, when the token carries one (a command assertion copies it from the provider's). */
  team?: string;
}

/** A team name as tokens carry it and reports group by it (decisions/staff-auth.ts checks the provider's claim). */
export const TEAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$/;

/** Why a token was refused (`details.code` of the refusal). */
export type TokenRefusal =
  | 'token_missing'
  | 'token_malformed'
  | 'token_untrusted_key'
  | 'token_bad_signature'
  | 'token_wrong_issuer'
  | 'token_wrong_audience'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_no_subject';

export type TokenCheck = { ok: true; identity: StaffIdentity } | { ok: false; code: TokenRefusal; message: string };

/** Clock skew tolerated between the identity provider and workflow time. */
const LEEWAY_S = 60;

/** IDs compared case-folded (and Unicode-normalised), everywhere: `Alice` and `alice` are one person. */
export const caseFold = (id: string): string => id.normalize('NFKC').toLowerCase();

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url (no padding) → bytes; undefined when not base64url. */
function fromBase64url(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const ch of s) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

function jsonPart(s: string): Record<string, unknown> | undefined {
  const bytes = fromBase64url(s);
  if (!bytes) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const refuse = (code: TokenRefusal, message: string) => ({ ok: false as const, code, message });
const trustedAt = (k: TrustedKey, nowMs: number) =>
  Date.parse(k.trustedFrom) <= nowMs && (k.trustedUntil === undefined || nowMs < Date.parse(k.trustedUntil));

/** A compact JWS whose EdDSA signature verified against `key`, with its decoded header and claims. */
export interface VerifiedJws {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  key: TrustedKey;
}

/**
 * Checks the form and signature of a compact JWS: EdDSA, a `kid` among `keys` trusted at `nowMs`, the key's issuer,
 * `aud` naming `audience`, `exp` and `nbf` (60 s leeway). Never throws; messages never quote the token.
 */
export function verifyEdDsaJws(
  token: unknown,
  nowMs: number,
  keys: TrustedKey[],
  audience: string,
): { ok: true; jws: VerifiedJws } | { ok: false; code: TokenRefusal; message: string } {
  if (typeof token !== 'string' || token === '')
    return { ok: false, code: 'token_missing', message: 'token: a signed staff token is required' };
  const parts = token.split('.');
  if (parts.length !== 3) return refuse('token_malformed', 'token: not a compact JWT');
  const [h = '', p = '', s = ''] = parts;
  const header = jsonPart(h);
  const claims = jsonPart(p);
  const signature = fromBase64url(s);
  if (!header || !claims || !signature) return refuse('token_malformed', 'token: not a compact JWT');
  if (header['alg'] !== 'EdDSA') return refuse('token_malformed', 'token: only EdDSA-signed tokens are accepted');
  const key = keys.find((k) => k.kid === header['kid'] && trustedAt(k, nowMs));
  if (!key) return refuse('token_untrusted_key', 'token: signed by a key this build does not trust');
  const publicKey = fromBase64url(key.x);
  let valid = false;
  try {
    valid = !!publicKey && signature.length === 64 && ed25519.verify(signature, ascii(`${h}.${p}`), publicKey);
  } catch {
    valid = false;
  }
  if (!valid) return refuse('token_bad_signature', 'token: signature does not verify');
  if (claims['iss'] !== key.issuer) return refuse('token_wrong_issuer', 'token: issued by an untrusted issuer');
  const aud = claims['aud'];
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience))))
    return refuse('token_wrong_audience', `token: not issued for ${audience}`);
  const now = nowMs / 1000;
  if (typeof claims['exp'] !== 'number' || claims['exp'] + LEEWAY_S <= now)
    return refuse('token_expired', 'token: expired');
  if (typeof claims['nbf'] === 'number' && claims['nbf'] - LEEWAY_S > now)
    return refuse('token_not_yet_valid', 'token: not valid yet');
  return { ok: true, jws: { header, claims, key } };
}

/** The staff identity a verified token's claims name; a refusal when it names no subject. */
export function identityOf(jws: VerifiedJws): TokenCheck {
  const { claims, key } = jws;
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub.trim() === '') return refuse('token_no_subject', 'token: no subject');
  const roles = Array.isArray(claims['roles']) ? claims['roles'].filter((r): r is string => typeof r === 'string') : [];
  return {
    ok: true,
    identity: {
      subject: caseFold(sub),
      issuer: key.issuer,
      keyId: key.kid,
      roles,
      ...(typeof claims['name'] === 'string' ? { name: claims['name'] } : {}),
      // A team that is not a team name is left out (no team), never passed on as free text.
      ...(typeof claims['team'] === 'string' && TEAM_PATTERN.test(claims['team']) ? { team: claims['team'] } : {}),
    },
  };
}

/**
 * Verifies an identity provider's staff token: EdDSA signature by a key trusted at `nowMs`, the key's issuer, the
 * decisions audience, expiry and not-before (60 s leeway), a subject. Never throws; messages never quote the token.
 * Workflows accept such tokens only when replaying commands recorded before command assertions
 * (`command-assertion.ts`); new commands carry an assertion from the decision service.
 */
export function verifyStaffToken(token: unknown, nowMs: number, keys: TrustedKey[] = trustedKeys()): TokenCheck {
  const checked = verifyEdDsaJws(token, nowMs, keys, STAFF_AUDIENCE);
  return checked.ok ? identityOf(checked.jws) : checked;
}

/** The audit trail's record of who decided: subject, issuer and key ID. */
export const decidedBy = (i: StaffIdentity) => ({ subject: i.subject, issuer: i.issuer, keyId: i.keyId });
