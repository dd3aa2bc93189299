/**
 * The local decision service's signing key (Ed25519 private JWK). Public by being in this repository: only local
 * builds trust it (`workflows/shared/trust.ts`, issuer `LOCAL_DECISIONS_ISSUER`, kid `LOCAL_DECISIONS_KID`); the AWS
 * bundle leaves its public half out, so nothing it signs is accepted there.
 */
export const LOCAL_DECISIONS_JWK = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'Ld8p6HamHFt8w3r63H29fboq7YZ8KtKcyJSsTsdkleA',
  d: '3mYoeez95jRGa_6EtPBM4O7cV2REy_CpLlAXymFGDFQ',
} as const;
