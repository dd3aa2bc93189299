/**
 * The local decision service's assertion-signing key (Ed25519 JWK). Its private half is public by being here: only
 * the local trust set (`workflows/shared/trust.ts`: use `decisions`, environment `local`, issuer
 * LOCAL_DECISIONS_ISSUER, kid LOCAL_DECISIONS_KID) accepts it. In AWS the service signs with a KMS key instead.
 */
export const LOCAL_DECISIONS_JWK = {
  crv: 'Ed25519',
  d: '3mYoeez95jRGa_6EtPBM4O7cV2REy_CpLlAXymFGDFQ',
  x: 'Ld8p6HamHFt8w3r63H29fboq7YZ8KtKcyJSsTsdkleA',
  kty: 'OKP',
} as const;
