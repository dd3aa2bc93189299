import { importJWK, SignJWT } from 'jose';
import { z } from 'zod';
import { argsDigest } from '../workflows/shared/command-assertion';
import { MAX_RAIL_PROOF_LIFETIME_S, RAIL_EVENT_AUDIENCE, RAIL_EVENT_TYP } from '../workflows/shared/rail-proof';
import type { Delivery } from './deliveries';

/**
 * The ingress's half of rail-event proofs (`workflows/shared/rail-proof.ts`): every event it delivers as a signal is
 * signed, after the provider's own signature verified, with the ingress's Ed25519 key, bound to the workflow, the
 * signal and a digest of the event.
 */

/** `INGRESS_SIGNING_KEY`: the private JWK (Ed25519) plus the key ID and issuer the workflows trust it under. */
const signingKeySchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    d: z.string().min(1),
    x: z.string().min(1),
    kid: z.string().min(1, { error: 'kid: the key ID the workflows trust' }),
    iss: z.string().min(1, { error: 'iss: the issuer the workflows trust' }),
  })
  .loose();

/** Signs one event for one workflow and signal; the compact JWS goes in the event's `proof`. */
export type RailEventSigner = (workflowId: string, signal: string, event: unknown) => Promise<string>;

/** A signer from the configured key (JSON); throws naming the variable, never the value, when it is unreadable. */
export async function createRailEventSigner(keyJson: string, now: () => number = Date.now): Promise<RailEventSigner> {
  let parsed: z.infer<typeof signingKeySchema>;
  try {
    parsed = signingKeySchema.parse(JSON.parse(keyJson));
  } catch {
    throw new Error('INGRESS_SIGNING_KEY: must be an Ed25519 private JWK with kid and iss (value not shown)');
  }
  const { kid, iss, kty, crv, d, x } = parsed;
  const key = await importJWK({ kty, crv, d, x }, 'EdDSA');
  return async (workflowId, signal, event) => {
    const iat = Math.floor(now() / 1000);
    return new SignJWT({ wf: workflowId, sig: signal, ev: argsDigest(event) })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: RAIL_EVENT_TYP })
      .setIssuer(iss)
      .setAudience(RAIL_EVENT_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + MAX_RAIL_PROOF_LIFETIME_S)
      .sign(key);
  };
}

/** The delivery with its event signed (`proof` replaced, never signed over). */
export async function proveDelivery(sign: RailEventSigner, d: Delivery): Promise<Delivery> {
  const [event] = d.signalArgs;
  if (!event || typeof event !== 'object' || Array.isArray(event)) return d;
  const { proof: _old, ...body } = event as Record<string, unknown>;
  const proof = await sign(d.workflowId, d.signal, body);
  return { ...d, signalArgs: [{ ...body, proof }] };
}
