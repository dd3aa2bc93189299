import { LOCAL_INGRESS_ISSUER, LOCAL_INGRESS_KID } from '../workflows/shared/trust';

/**
 * The local ingress's rail-event signing key (Ed25519, a private JWK). Public by being in this repository: only local
 * builds trust it (`workflows/shared/trust.ts`), and aws mode refuses it as a configured value.
 */
export const LOCAL_INGRESS_SIGNING_KEY = {
  kty: 'OKP',
  crv: 'Ed25519',
  d: '8MOiJL6YOPiSEm1KU2X-IRD4o1gVpJkjkrNSjrIKcTs',
  x: 'UHImEIc1m8LiYBa7PlszWhj8hZQ2VCw8omaS9tUo8ww',
  kid: LOCAL_INGRESS_KID,
  iss: LOCAL_INGRESS_ISSUER,
} as const;

/** The value `INGRESS_SIGNING_KEY` takes in local mode (JSON, as Secrets Manager would hold it). */
export const LOCAL_INGRESS_SIGNING_KEY_JSON = JSON.stringify(LOCAL_INGRESS_SIGNING_KEY);
