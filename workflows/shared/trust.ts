/**
 * Who the workflows trust to say who decided: identity providers' token-signing keys (Ed25519, JWK `x`), versioned
 * with the code so every worker and every replay sees the same set, never fetched over the network.
 *
 * Rules that keep replay deterministic: a key is trusted for tokens presented from `trustedFrom` (workflow time) and
 * until `trustedUntil`. Adding a key therefore never changes what an older history accepted, and a key is retired by
 * setting `trustedUntil`, never by deleting its entry. Keys are per environment: the bundle for AWS
 * (`npm run build:lambda`, or a worker with `PAYOPS_MODE=aws`) leaves the local identity provider's key out, since
 * its private half is in this repository.
 *
 * To trust a production identity provider, add its signing keys here (from its JWKS: `kid`, `x`) with
 * `environments: ['aws']` and the date from which they sign, and deploy as a new build.
 */
export interface TrustedKey {
  issuer: string;
  kid: string;
  /** The Ed25519 public key, base64url (a JWK's `x`). */
  x: string;
  trustedFrom: string;
  trustedUntil?: string;
  environments: ReadonlyArray<'local' | 'aws'>;
}

/** The audience every staff decision token must name. */
export const STAFF_AUDIENCE = 'payops-decisions';

/** The local identity provider (`sandboxes/idp`): its issuer and signing key ID. */
export const LOCAL_ISSUER = 'https://idp.payops.local';
export const LOCAL_KID = 'payops-local-2026-12';

export const TRUSTED_KEYS: readonly TrustedKey[] = [
  {
    issuer: LOCAL_ISSUER,
    kid: LOCAL_KID,
    x: 'DVP3XVCY_h1b0oyn5zDoDda6jh7DfCv08Q6gJdNNB6o',
    trustedFrom: '2026-01-01T00:00:00Z',
    environments: ['local'],
  },
];

declare const __PAYOPS_TRUST_ENV__: string | undefined;

/** The environment the workflow bundle was built for (a webpack define); unbundled code (unit tests) is local. */
export function trustEnvironment(): 'local' | 'aws' {
  return typeof __PAYOPS_TRUST_ENV__ !== 'undefined' && __PAYOPS_TRUST_ENV__ === 'aws' ? 'aws' : 'local';
}

/** The keys this build trusts. */
export const trustedKeys = (env = trustEnvironment()): TrustedKey[] =>
  TRUSTED_KEYS.filter((k) => k.environments.includes(env));
