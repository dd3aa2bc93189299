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
  /**
   * What the key signs: `staff` an identity provider's staff tokens (accepted by handlers only, to replay histories
   * recorded before command assertions), `decisions` the decision service's command assertions
   * (`command-assertion.ts`), `ingress` the ingress's rail-event proofs.
   */
  use: 'staff' | 'decisions' | 'ingress';
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
/** The local decision service (`decisions/`): the issuer and key ID of its command assertions. */
export const LOCAL_DECISIONS_ISSUER = 'https://decisions.payops.local';
export const LOCAL_DECISIONS_KID = 'payops-decisions-local-2026-12';
/** The local ingress: the issuer and key ID of its rail-event proofs. */
export const LOCAL_INGRESS_ISSUER = 'https://ingress.payops.local';
export const LOCAL_INGRESS_KID = 'payops-ingress-local-2026-12';

export const TRUSTED_KEYS: readonly TrustedKey[] = [
  {
    use: 'staff',
    issuer: LOCAL_ISSUER,
    kid: LOCAL_KID,
    x: 'DVP3XVCY_h1b0oyn5zDoDda6jh7DfCv08Q6gJdNNB6o',
    trustedFrom: '2026-01-01T00:00:00Z',
    environments: ['local'],
  },
  {
    use: 'decisions',
    issuer: LOCAL_DECISIONS_ISSUER,
    kid: LOCAL_DECISIONS_KID,
    x: 'Ld8p6HamHFt8w3r63H29fboq7YZ8KtKcyJSsTsdkleA',
    trustedFrom: '2026-01-01T00:00:00Z',
    environments: ['local'],
  },
  {
    use: 'ingress',
    issuer: LOCAL_INGRESS_ISSUER,
    kid: LOCAL_INGRESS_KID,
    x: 'UHImEIc1m8LiYBa7PlszWhj8hZQ2VCw8omaS9tUo8ww',
    trustedFrom: '2026-01-01T00:00:00Z',
    environments: ['local'],
  },
];

declare const __PAYOPS_TRUST_ENV__: string | undefined;

/** The environment the workflow bundle was built for (a webpack define); unbundled code (unit tests) is local. */
export function trustEnvironment(): 'local' | 'aws' {
  return typeof __PAYOPS_TRUST_ENV__ !== 'undefined' && __PAYOPS_TRUST_ENV__ === 'aws' ? 'aws' : 'local';
}

/** The keys this build trusts for `use` (default: staff tokens, the identity provider's). */
export const trustedKeys = (env = trustEnvironment(), use: TrustedKey['use'] = 'staff'): TrustedKey[] =>
  TRUSTED_KEYS.filter((k) => k.environments.includes(env) && k.use === use);
