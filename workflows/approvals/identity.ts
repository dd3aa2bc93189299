import { caseFold, decidedBy, verifyStaffToken, type StaffIdentity } from '../shared/identity';
import { ROLES, type DecidedBy, type IdentityRefusalCode, type Role } from './contract';

/**
 * Who acts on a request, from the staff token only: the subject (case-folded) is the person, the acting role one of
 * the token's roles. Body fields that name a person or a role are checked against the token, never believed. Pure:
 * the workflow calls it with workflow time, in validators, handlers and at the start.
 */

/** A verified person acting in one role. */
export interface Actor {
  id: string;
  role: Role;
  by: DecidedBy;
}

/** A verified identity, or why not (`Unauthorized`, with the code). */
export type IdentityCheck<T> = { ok: true; value: T } | { ok: false; code: IdentityRefusalCode; message: string };

const no = (code: IdentityRefusalCode, message: string) => ({ ok: false, code, message }) as const;

/** The token's subject; a body ID (`field`), if given, must name the same person (case-folded). */
export function verifiedIdentity(
  token: unknown,
  claimedId: string | undefined,
  nowMs: number,
  field: string,
): IdentityCheck<StaffIdentity> {
  const check = verifyStaffToken(token, nowMs);
  if (!check.ok) return no(check.code, check.message);
  if (claimedId !== undefined && caseFold(claimedId) !== check.identity.subject)
    return no('identity_mismatch', `${field} does not name the token's subject`);
  return { ok: true, value: check.identity };
}

/** The highest approvals role (order of `ROLES`) among a token's roles. */
export function highestApprovalRole(roles: readonly string[]): Role | undefined {
  return [...ROLES].reverse().find((r) => roles.includes(r));
}

/** The acting role: the body's, if it is one of the token's roles; else the token's highest approvals role. */
export function actingRole(identity: StaffIdentity, claimed: Role | undefined): IdentityCheck<Role> {
  if (claimed !== undefined)
    return identity.roles.includes(claimed)
      ? { ok: true, value: claimed }
      : no('role_not_in_token', `role ${claimed} is not among the token's roles`);
  const highest = highestApprovalRole(identity.roles);
  return highest
    ? { ok: true, value: highest }
    : no('no_approvals_role', `the token grants none of the approvals roles (${ROLES.join(', ')})`);
}

/** A verified actor from a message's token and optional body ID and role. */
export function verifiedActor(
  m: { token?: string | undefined; id?: string | undefined; role?: Role | undefined },
  nowMs: number,
  field: string,
): IdentityCheck<Actor> {
  const who = verifiedIdentity(m.token, m.id, nowMs, field);
  if (!who.ok) return who;
  const role = actingRole(who.value, m.role);
  if (!role.ok) return role;
  return { ok: true, value: { id: who.value.subject, role: role.value, by: decidedBy(who.value) } };
}
