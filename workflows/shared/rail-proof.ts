import { argsDigest } from './command-assertion';
import { caseFold, verifyEdDsaJws, type TokenRefusal } from './identity';
import { trustedKeys, type TrustedKey } from './trust';

/**
 * A rail-event proof: the ingress's signature over one provider event it delivers as a signal, after it verified the
 * provider's own webhook signature. A workflow moves money on a provider event only when the ingress vouches for it,
 * so anyone who can merely write to the namespace cannot forge a return or a failure.
 *
 * Wire form: a compact JWS in the event's `proof` field, header `{ alg: 'EdDSA', kid, typ: 'payops-rail-event+jwt' }`,
 * claims `{ iss, aud: 'payops-rail-events', wf, sig, ev, iat, exp }` where `wf` is the workflow ID (compared
 * case-folded), `sig` the signal's wire name, `ev` = `argsDigest` of the event without its `proof` field, and
 * `exp - iat` ≤ {@link MAX_RAIL_PROOF_LIFETIME_S}. Duplicates are the workflow's part (events dedupe by `eventId`).
 */

/** The audience every rail-event proof names. */
export const RAIL_EVENT_AUDIENCE = 'payops-rail-events';
/** The JOSE `typ` of a rail-event proof. */
export const RAIL_EVENT_TYP = 'payops-rail-event+jwt';
/** The longest lifetime a workflow accepts (`exp - iat`), in seconds. */
export const MAX_RAIL_PROOF_LIFETIME_S = 600;

export type RailProofRefusal =
  | TokenRefusal
  | 'proof_wrong_type'
  | 'proof_too_long_lived'
  | 'proof_wrong_workflow'
  | 'proof_wrong_signal'
  | 'proof_event_changed';

export type RailProofCheck = { ok: true } | { ok: false; code: RailProofRefusal; message: string };

/** The event as signed: everything but its `proof`. */
export function withoutProof(event: unknown): unknown {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return event;
  return Object.fromEntries(Object.entries(event as Record<string, unknown>).filter(([k]) => k !== 'proof'));
}

const refuse = (code: RailProofRefusal, message: string): RailProofCheck => ({ ok: false, code, message });

/**
 * Verifies the `proof` of `event` (as received, proof included) at `nowMs` (workflow time) for `workflowId` and the
 * signal `signal`: an ingress key trusted then, type, audience, lifetime, and the binding. Never throws; messages
 * never quote the proof.
 */
export function verifyRailEventProof(
  event: unknown,
  nowMs: number,
  binding: { workflowId: string; signal: string },
  keys: TrustedKey[] = trustedKeys(undefined, 'ingress'),
): RailProofCheck {
  const proof = event && typeof event === 'object' ? (event as Record<string, unknown>)['proof'] : undefined;
  const checked = verifyEdDsaJws(proof, nowMs, keys, RAIL_EVENT_AUDIENCE);
  if (!checked.ok) return checked;
  const { header, claims } = checked.jws;
  if (header['typ'] !== RAIL_EVENT_TYP) return refuse('proof_wrong_type', `proof: not a rail-event proof`);
  const { iat, exp, wf, sig, ev } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || iat > exp || exp - iat > MAX_RAIL_PROOF_LIFETIME_S)
    return refuse('proof_too_long_lived', `proof: lives at most ${MAX_RAIL_PROOF_LIFETIME_S} s`);
  if (iat - 60 > nowMs / 1000) return refuse('token_not_yet_valid', 'proof: issued in the future');
  if (typeof wf !== 'string' || caseFold(wf) !== caseFold(binding.workflowId))
    return refuse('proof_wrong_workflow', 'proof: signed for another workflow');
  if (sig !== binding.signal) return refuse('proof_wrong_signal', `proof: not signed for ${binding.signal}`);
  if (ev !== argsDigest(withoutProof(event))) return refuse('proof_event_changed', 'proof: the event was changed');
  return { ok: true };
}
