/**
 * Who the workflows trust to say who decided: token-signing keys (Ed25519, JWK `x`) by use, versioned with the code so
 * every worker and every replay sees the same set, never fetched over the network.
 *
 * Rules that keep replay deterministic: a key is trusted for tokens presented from `trustedFrom` (workflow time) and
 * until `trustedUntil`. Adding a key therefore never changes what an older history accepted, and a key is retired by
 * setting `trustedUntil`, never by deleting its entry.
 *
 * Keys are per environment, and the environment is compiled in, fail-closed:
 * - local: the entries below, whose private halves are in this repository (decisions/local-key.ts, workers/local-ingress-key.ts,
 *   sandboxes/idp); trusted only by local bundles.
 * - aws: the entries of `infra/trust/aws-keys.json` (its README says how to add and retire one), compiled into the aws
 *   bundle by workers/bundle-options.ts (`__PAYOPS_AWS_TRUSTED_KEYS__`); the build refuses a set without a current
 *   `decisions` key.
 * A bundle built without the trust environment (`__PAYOPS_TRUST_ENV__`) trusts nothing: `trustEnvironment()` throws.
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

/** The local keys (public by being in this repository); an aws bundle never trusts them. */
const LOCAL_KEYS: readonly TrustedKey[] = [
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

/** An entry of `infra/trust/aws-keys.json`, as workers/aws-trust.ts validates it (the environment is implied). */
export type AwsTrustedKey = Omit<TrustedKey, 'environments'>;

// Webpack defines (workers/bundle-options.ts). Unbundled code (unit tests) has neither unless its setup sets the
// global: test/support/trust-environment.ts makes the unit tests' environment explicitly local.
declare const __PAYOPS_TRUST_ENV__: string | undefined;
declare const __PAYOPS_AWS_TRUSTED_KEYS__: readonly AwsTrustedKey[] | undefined;

/** The aws keys compiled into this bundle (none in a local bundle or unbundled code). */
const awsKeys = (): TrustedKey[] =>
  typeof __PAYOPS_AWS_TRUSTED_KEYS__ === 'undefined'
    ? []
    : __PAYOPS_AWS_TRUSTED_KEYS__.map((k) => ({ ...k, environments: ['aws'] as const }));

export const TRUSTED_KEYS: readonly TrustedKey[] = [...LOCAL_KEYS, ...awsKeys()];

/** Thrown when code runs without a compiled trust environment: it must not silently trust the local keys. */
export class TrustEnvironmentMissing extends Error {
  override name = 'TrustEnvironmentMissing';
}

/**
 * The environment the workflow bundle was built for (a webpack define). Missing or unknown, it throws rather than
 * default to local: a bundle built by hand without `bundlerOptionsFor` would otherwise trust keys whose private halves
 * are public. In a workflow the throw fails the workflow task (retried), so nothing is decided until a right build runs.
 */
export function trustEnvironment(): 'local' | 'aws' {
  const env = typeof __PAYOPS_TRUST_ENV__ === 'undefined' ? undefined : __PAYOPS_TRUST_ENV__;
  if (env === 'local' || env === 'aws') return env;
  throw new TrustEnvironmentMissing(
    '__PAYOPS_TRUST_ENV__: the trust environment was not compiled in (bundle with bundlerOptionsFor(env) from ' +
      'workers/bundle-options.ts); trusting nothing',
  );
}

/** The keys this build trusts for `use` (default: staff tokens, the identity provider's). */
export const trustedKeys = (env = trustEnvironment(), use: TrustedKey['use'] = 'staff'): TrustedKey[] =>
  TRUSTED_KEYS.filter((k) => k.environments.includes(env) && k.use === use);
