import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { caseFold, TEAM_PATTERN } from '../workflows/shared/identity';
import type { DecisionsConfig } from './config';

/**
 * Who is calling: the identity provider's own access token (`Authorization: Bearer …`), verified against the
 * provider's published keys (its discovery document's `jwks_uri`, fetched and cached by `jose`), issuer and audience
 * from configuration. Any OpenID Connect provider whose tokens are JWTs signed RS256 or EdDSA fits.
 */

/**
 * A verified staff member: the provider's subject (case-folded), the roles claim, a display name if any, and their
 * team if the provider issues one (the team claim; absent: no team, reported as null). Only ever from the token.
 */
export interface Staff {
  subject: string;
  roles: string[];
  name?: string;
  team?: string;
}

/** A team as the reports group by it: a short name, never free text (it lands in CSV cells and facts). */
export const teamSchema = z
  .string({ error: 'must be 1-64 letters, digits, spaces, . _ or - (a team name)' })
  .regex(TEAM_PATTERN, {
    error: 'must be 1-64 letters, digits, spaces, . _ or - (a team name)',
  });

/** The team claim: absent is no team; present, it must be a team name (a malformed one is the provider's error). */
function teamOf(payload: JWTPayload, claim: string): string | undefined {
  if (payload[claim] === undefined || payload[claim] === null) return undefined;
  const parsed = teamSchema.safeParse(payload[claim]);
  if (!parsed.success)
    throw new Unauthenticated(
      `Authorization: the token's ${claim} claim ${parsed.error.issues[0]?.message ?? 'is malformed'}; ask the identity provider's administrator`,
    );
  return parsed.data;
}

/** The request carries no usable token, or the token does not verify (HTTP 401). */
export class Unauthenticated extends Error {
  override name = 'Unauthenticated';
}

export type StaffVerifier = (authorization: string | undefined) => Promise<Staff>;

const discoverySchema = z.object({ issuer: z.string().min(1), jwks_uri: z.url() });

/** The roles a claim holds: an array of strings, or one space-separated string (some providers' `scope` style). */
function rolesOf(payload: JWTPayload, claim: string): string[] {
  const value = payload[claim];
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

/**
 * A verifier for `config.oidc`. The discovery document is read once, on first use (a failed read is retried on the
 * next request); its `issuer` must be the configured one, so a discovery URL pointing elsewhere never widens trust.
 */
export function staffVerifier(oidc: DecisionsConfig['oidc']): StaffVerifier {
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () =>
    (jwks ??= (async () => {
      const res = await fetch(oidc.discoveryUrl);
      if (!res.ok) throw new Error(`identity provider discovery: HTTP ${res.status}`);
      const doc = discoverySchema.parse(await res.json());
      if (doc.issuer !== oidc.issuer) throw new Error('identity provider discovery names another issuer');
      return createRemoteJWKSet(new URL(doc.jwks_uri));
    })().catch((err: unknown) => {
      jwks = undefined;
      throw err;
    }));
  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization?.trim() ?? '');
    if (!match?.[1]) throw new Unauthenticated('Authorization: a Bearer token from the identity provider is required');
    const jwkSet = await keys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], jwkSet, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        algorithms: ['RS256', 'EdDSA'],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 60,
      }));
    } catch (err) {
      // The provider's keys could not be fetched: unavailable (503), not the caller's fault.
      if (err instanceof errors.JWKSTimeout) throw err;
      if (err instanceof errors.JOSEError)
        throw new Unauthenticated(`Authorization: token refused (${err.code}); log in again`);
      throw err;
    }
    const subject = payload.sub?.trim();
    if (!subject) throw new Unauthenticated('Authorization: the token names no subject');
    const team = teamOf(payload, oidc.teamClaim);
    return {
      subject: caseFold(subject),
      roles: rolesOf(payload, oidc.rolesClaim),
      ...(typeof payload['name'] === 'string' ? { name: payload['name'] } : {}),
      ...(team !== undefined ? { team } : {}),
    };
  };
}
