import { FailureType, refusal } from './failures';
import { caseFold, verifyStaffToken, type StaffIdentity, type TokenRefusal } from './identity';

/**
 * Who sent a staff command, proven by its token: the one check every human decision's update validator makes before
 * its domain rules, and the identity its handler records. The body's own `by` / `operator` / `tier` fields are only
 * claims: kept for wire compatibility, they must agree with the token or the command is refused.
 */

/** Why a command was refused for who sent it (`details.code`; the type is `Unauthorized`). */
export type StaffRefusalCode = TokenRefusal | 'identity_mismatch' | 'role_not_in_token' | 'missing_role';

export interface StaffClaims {
  /** A body field naming the person (`by`, `operator`): when given, it must be the token's subject (case-folded). */
  id?: { field: string; value: string | undefined };
  /** A body field naming a role (`tier`): when given, it must be one of the token's roles. */
  role?: { field: string; value: string | undefined };
  /** The token must hold at least one of these roles. */
  anyOf?: readonly string[];
}

const unauthorized = (code: StaffRefusalCode, message: string) => refusal(FailureType.Unauthorized, code, message);

/**
 * Verifies the command's token at `nowMs` (workflow time) and the body's claims against it; throws the typed
 * refusal (`Unauthorized`, with the code) when anything does not hold. Messages never quote the token.
 */
export function requireStaff(token: unknown, nowMs: number, claims: StaffClaims = {}): StaffIdentity {
  const check = verifyStaffToken(token, nowMs);
  if (!check.ok) throw unauthorized(check.code, check.message);
  const who = check.identity;
  const { id, role, anyOf } = claims;
  if (id?.value !== undefined && caseFold(id.value) !== who.subject)
    throw unauthorized('identity_mismatch', `${id.field}: ${id.value} is not the signed-in staff member`);
  const roles = new Set(who.roles.map(caseFold));
  if (role?.value !== undefined && !roles.has(caseFold(role.value)))
    throw unauthorized('role_not_in_token', `${role.field}: ${role.value} is not one of the signed-in staff's roles`);
  if (anyOf && !anyOf.some((r) => roles.has(caseFold(r))))
    throw unauthorized('missing_role', `token: this command needs one of the roles ${anyOf.join(', ')}`);
  return who;
}

/**
 * The identity behind an accepted command, for its handler (handlers run again on replay, validators do not). The
 * validator verified it in the same workflow task, so at the same workflow time: this gives the same identity.
 * Undefined for commands recorded before tokens were required: the handler then falls back to the body's fields.
 */
export function acceptedStaff(token: unknown, nowMs: number): StaffIdentity | undefined {
  if (token === undefined) return undefined;
  const check = verifyStaffToken(token, nowMs);
  return check.ok ? check.identity : undefined;
}

/** True when the token holds `role` (case-folded). */
export const holdsRole = (who: StaffIdentity, role: string): boolean =>
  who.roles.some((r) => caseFold(r) === caseFold(role));
