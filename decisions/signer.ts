import { randomUUID } from 'node:crypto';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { ed25519 } from '@noble/curves/ed25519';
import { argsDigest, COMMAND_AUDIENCE, COMMAND_TYP, type CommandBinding } from '../workflows/shared/command-assertion';
import type { DecisionsConfig } from './config';
import { LOCAL_DECISIONS_JWK } from './local-key';
import type { Staff } from './staff-auth';

/**
 * Mints command assertions (workflows/shared/command-assertion.ts): one command on one run with its arguments'
 * digest, for a staff member the service authenticated, valid 60 s. Only this service holds the key: locally the
 * Ed25519 key in local-key.ts, in AWS a KMS key (ECC_NIST_EDWARDS25519) that never leaves KMS.
 */
export type AssertionSigner = (staff: Staff, binding: CommandBinding) => Promise<string>;

/** How long an assertion lives: long enough to reach the workflow, well under the 120 s the workflows accept. */
export const ASSERTION_LIFETIME_S = 60;

/** Signs `signingInput` (`base64url(header).base64url(claims)`) and returns the raw 64-byte Ed25519 signature. */
export type Ed25519Sign = (signingInput: Uint8Array) => Promise<Uint8Array>;

function claimsFor(issuer: string, staff: Staff, binding: CommandBinding, nowS: number) {
  return {
    iss: issuer,
    aud: COMMAND_AUDIENCE,
    sub: staff.subject,
    roles: staff.roles,
    ...(staff.name ? { name: staff.name } : {}),
    // The team as the provider's token gave it (staff-auth.ts): the workflow records it in the compensation fact.
    ...(staff.team ? { team: staff.team } : {}),
    jti: randomUUID(),
    iat: nowS,
    exp: nowS + ASSERTION_LIFETIME_S,
    wf: binding.workflowId,
    ...(binding.runId ? { rid: binding.runId } : {}),
    cmd: binding.command,
    args: argsDigest(binding.args),
  };
}

/** An assertion signer over any Ed25519 signing function (KMS, or a key in memory). */
export function ed25519Signer(assertion: DecisionsConfig['assertion'], sign: Ed25519Sign): AssertionSigner {
  return async (staff, binding) => {
    const header = { alg: 'EdDSA', kid: assertion.kid, typ: COMMAND_TYP };
    const claims = claimsFor(assertion.issuer, staff, binding, Math.floor(Date.now() / 1000));
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64(header)}.${b64(claims)}`;
    const signature = await sign(new TextEncoder().encode(input));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  };
}

/** The local signer: the public local key, trusted only by local builds. */
export function localSigner(assertion: DecisionsConfig['assertion']): AssertionSigner {
  const seed = Buffer.from(LOCAL_DECISIONS_JWK.d, 'base64url');
  return ed25519Signer(assertion, (message) => Promise.resolve(ed25519.sign(message, seed)));
}

/**
 * KMS signs the signing input itself (MessageType RAW, ED25519_SHA_512: pure Ed25519, what `EdDSA` verifiers
 * check); the signature comes back as the raw 64 bytes.
 */
export function kmsSigner(assertion: DecisionsConfig['assertion'], keyId: string, kms: KMSClient): AssertionSigner {
  return ed25519Signer(assertion, async (message) => {
    const out = await kms.send(
      new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ED25519_SHA_512' }),
    );
    if (!out.Signature || out.Signature.length !== 64) throw new Error('KMS returned no Ed25519 signature');
    return out.Signature;
  });
}

/** The signer configuration names: KMS when a key is configured (always in aws mode), else the local key. */
export function signerFor(config: DecisionsConfig, kms: () => KMSClient): AssertionSigner {
  if (config.kmsKeyId) return kmsSigner(config.assertion, config.kmsKeyId, kms());
  if (config.mode !== 'local') throw new Error('DECISIONS_KMS_KEY_ID: required when PAYOPS_MODE=aws');
  return localSigner(config.assertion);
}
