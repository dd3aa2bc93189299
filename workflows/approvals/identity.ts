import { decidedBy, type StaffIdentity } from '../shared/identity';
import { actingRole, type StaffCheck } from '../shared/verified-staff';
import { ROLES, type DecidedBy, type IdentityRefusalCode, type Role } from './contract';

/**
 * Who acts on a request, from a verified staff identity (`shared/verified-staff.ts`, the one staff-identity check):
 * the subject (case-folded) is the person, the acting role one of its roles (case-folded), the body's if it names
 * one, else its highest approvals role.
 */

/** A verified person acting in one role. */
export interface Actor {
  id: string;
  role: Role;
  by: DecidedBy;
}

/** An actor, or why not (`Unauthorized`, with the code). */
export type ActorCheck = { ok: true; value: Actor } | { ok: false; code: IdentityRefusalCode; message: string };

/** The actor `who` is when acting in `claimed` (absent: the highest approvals role `who` holds). */
export function actorOf(who: StaffIdentity, claimed: Role | undefined): ActorCheck {
  const role = actingRole(who, claimed, ROLES, 'no_approvals_role');
  if (!role.ok) return role as ActorCheck;
  return { ok: true, value: { id: who.subject, role: role.value, by: decidedBy(who) } };
}

/** {@link actorOf} after a staff check that may have refused. */
export function actorAfter(check: StaffCheck, claimed: Role | undefined): ActorCheck {
  return check.ok ? actorOf(check.identity, claimed) : (check as ActorCheck);
}
