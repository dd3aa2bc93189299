import { workflowInfo } from '@temporalio/workflow';
import {
  verifyCommandAssertion,
  type AcceptedAssertions,
  type AssertionRefusal,
  type CommandBinding,
} from './command-assertion';
import { FailureType, refusal, refusalTable, type RefusalRule } from './failures';
import { caseFold, verifyStaffToken, type StaffIdentity } from './identity';

/**
 * Who sent a staff command, proven by its command assertion (`command-assertion.ts`): the one staff-identity check
 * of every domain. An update validator (or a signal handler) verifies the assertion against the command it arrived
 * with and this run's accepted assertions, then the body's claims: `by` / `operator` / `agentId` must be the
 * assertion's subject and `tier` / `role` one of its roles (roles and IDs compared case-folded). The handler then
 * records the assertion as used ({@link acceptStaffCommand}).
 */

/** Why a command was refused for who sent it (`details.code`; the type is `Unauthorized`). */
export type StaffRefusalCode =
  AssertionRefusal | 'identity_mismatch' | 'role_not_in_token' | 'missing_role' | 'no_approvals_role';

const unauthorizedBecause = (summary: string): RefusalRule => ({ type: FailureType.Unauthorized, summary });

/**
 * Every code the staff check refuses with, all `Unauthorized`: each domain's refusal table spreads this one in
 * rather than copying it, so a new identity rule shows in every domain's table.
 */
export const staffRefusals = refusalTable({
  token_missing: unauthorizedBecause('no staff token (command assertion) came with the command'),
  token_malformed: unauthorizedBecause('the token is not a compact EdDSA-signed JWT'),
  token_untrusted_key: unauthorizedBecause('the token is signed by a key this build does not trust'),
  token_bad_signature: unauthorizedBecause('the token does not verify'),
  token_wrong_issuer: unauthorizedBecause('the token was issued by an untrusted issuer'),
  token_wrong_audience: unauthorizedBecause('the token was not issued for this service'),
  token_expired: unauthorizedBecause('the token has expired'),
  token_not_yet_valid: unauthorizedBecause('the token is not valid yet (issued in the future)'),
  token_no_subject: unauthorizedBecause('the token names no one'),
  assertion_wrong_type: unauthorizedBecause('the token is not a command assertion'),
  assertion_too_long_lived: unauthorizedBecause('the command assertion lives longer than allowed'),
  assertion_no_id: unauthorizedBecause('the command assertion has no ID (jti)'),
  assertion_wrong_workflow: unauthorizedBecause('the command assertion was signed for another workflow'),
  assertion_wrong_run: unauthorizedBecause('the command assertion was signed for another run of this workflow'),
  assertion_wrong_command: unauthorizedBecause('the command assertion was signed for another command'),
  assertion_arguments_changed: unauthorizedBecause('the command was changed after it was signed'),
  assertion_replayed: unauthorizedBecause('the command assertion was already used'),
  identity_mismatch: unauthorizedBecause('the body names someone other than the signed-in staff member'),
  role_not_in_token: unauthorizedBecause('the body claims a role the signed-in staff member does not hold'),
  missing_role: unauthorizedBecause('the signed-in staff member holds none of the roles the command needs'),
  no_approvals_role: unauthorizedBecause('the signed-in staff member holds no approvals role'),
}) satisfies Readonly<Record<StaffRefusalCode, RefusalRule>>;

export interface StaffClaims {
  /** A body field naming the person (`by`, `operator`): when given, it must be the assertion's subject. */
  id?: { field: string; value: string | undefined };
  /** A body field naming a role (`tier`): when given, it must be one of the assertion's roles. */
  role?: { field: string; value: string | undefined };
  /** The assertion must hold at least one of these roles. */
  anyOf?: readonly string[];
}

export type StaffCheck = { ok: true; identity: StaffIdentity } | { ok: false; code: StaffRefusalCode; message: string };

const no = (code: StaffRefusalCode, message: string) => ({ ok: false, code, message }) as const;
const unauthorized = (code: StaffRefusalCode, message: string) =>
  refusal(FailureType.Unauthorized, code, `${code}: ${message}`);

/** True when `who` holds `role` (case-folded). */
export const holdsRole = (who: StaffIdentity, role: string): boolean =>
  who.roles.some((r) => caseFold(r) === caseFold(role));

/** The body's claims checked against a verified identity (IDs and roles case-folded). */
export function checkClaims(who: StaffIdentity, claims: StaffClaims = {}): StaffCheck {
  const { id, role, anyOf } = claims;
  if (id?.value !== undefined && caseFold(id.value) !== who.subject)
    return no('identity_mismatch', `${id.field}: ${id.value} is not the signed-in staff member`);
  if (role?.value !== undefined && !holdsRole(who, role.value))
    return no('role_not_in_token', `${role.field}: ${role.value} is not one of the signed-in staff's roles`);
  if (anyOf && !anyOf.some((r) => holdsRole(who, r)))
    return no('missing_role', `token: this command needs one of the roles ${anyOf.join(', ')}`);
  return { ok: true, identity: who };
}

/**
 * The acting role: the claimed one if `who` holds it (case-folded), else the highest of `ranked` (lowest first) it
 * holds; `none` names the refusal when it holds none of them.
 */
export function actingRole<R extends string>(
  who: StaffIdentity,
  claimed: R | undefined,
  ranked: readonly R[],
  none: StaffRefusalCode = 'missing_role',
): { ok: true; value: R } | { ok: false; code: StaffRefusalCode; message: string } {
  if (claimed !== undefined)
    return holdsRole(who, claimed)
      ? { ok: true, value: claimed }
      : no('role_not_in_token', `role ${claimed} is not among the token's roles`);
  const highest = [...ranked].reverse().find((r) => holdsRole(who, r));
  return highest ? { ok: true, value: highest } : no(none, `the token grants none of the roles ${ranked.join(', ')}`);
}

/** The binding of a command received by this workflow run: its ID, this run, the wire name and the raw argument. */
export function thisRun(command: string, args: unknown): CommandBinding {
  const { workflowId, runId } = workflowInfo();
  return { workflowId, runId, command, args };
}

/** The assertion's check, its single use, then the claims; with the assertion's ID when accepted. */
function checkWithId(
  token: unknown,
  nowMs: number,
  binding: CommandBinding,
  accepted: AcceptedAssertions,
  claims: StaffClaims,
): StaffCheck & { jti?: string } {
  const check = verifyCommandAssertion(token, nowMs, binding);
  if (!check.ok) return check;
  if (accepted.has(check.jti)) return no('assertion_replayed', 'token: this command assertion was already used');
  const who = checkClaims(check.identity, claims);
  return who.ok ? { ...who, jti: check.jti } : who;
}

/**
 * Checks a new command's sender at `nowMs` (workflow time): a command assertion bound to `binding`, not accepted
 * before in this run, whose identity satisfies `claims`. Never throws; an identity provider's token is refused.
 */
export function checkStaffCommand(
  token: unknown,
  nowMs: number,
  binding: CommandBinding,
  accepted: AcceptedAssertions,
  claims: StaffClaims = {},
): StaffCheck {
  const { jti: _jti, ...check } = checkWithId(token, nowMs, binding, accepted, claims);
  return check as StaffCheck;
}

/**
 * {@link checkStaffCommand} for a handler that is its own validator (a signal): when the command is accepted, its
 * assertion is recorded as used. Call it synchronously, before the handler's first await.
 */
export function takeStaffCommand(
  token: unknown,
  nowMs: number,
  binding: CommandBinding,
  accepted: AcceptedAssertions,
  claims: StaffClaims = {},
): StaffCheck {
  const { jti, ...check } = checkWithId(token, nowMs, binding, accepted, claims);
  if (jti !== undefined) accepted.accept(jti);
  return check as StaffCheck;
}

/**
 * An identity provider's staff token checked with `claims`: only for replaying messages recorded before command
 * assertions (behind the caller's `patched` marker); a new command is refused such a token.
 */
export function checkLegacyStaffToken(token: unknown, nowMs: number, claims: StaffClaims = {}): StaffCheck {
  const check = verifyStaffToken(token, nowMs);
  return check.ok ? checkClaims(check.identity, claims) : check;
}

/** {@link checkStaffCommand} for a validator: throws the typed refusal (`Unauthorized`, with the code). */
export function requireStaffCommand(
  token: unknown,
  nowMs: number,
  binding: CommandBinding,
  accepted: AcceptedAssertions,
  claims: StaffClaims = {},
): StaffIdentity {
  const check = checkStaffCommand(token, nowMs, binding, accepted, claims);
  if (!check.ok) throw unauthorized(check.code, check.message);
  return check.identity;
}

/**
 * The identity behind an accepted command, for its handler (handlers run again on replay, validators do not), and
 * the assertion recorded as used: call it synchronously, before the handler's first await. The validator verified
 * it in the same workflow task, at the same workflow time, so this gives the same identity. Histories recorded before
 * command assertions carry an identity provider's token: its identity is used then. Undefined for commands recorded
 * before tokens were required: the handler then falls back to the body's fields. A second use of one assertion in
 * a run (two copies validated in one task) is refused here.
 */
export function acceptStaffCommand(
  token: unknown,
  nowMs: number,
  binding: CommandBinding,
  accepted: AcceptedAssertions,
): StaffIdentity | undefined {
  if (token === undefined) return undefined;
  const assertion = verifyCommandAssertion(token, nowMs, binding);
  if (assertion.ok) {
    if (accepted.has(assertion.jti))
      throw unauthorized('assertion_replayed', 'token: this command assertion was already used');
    accepted.accept(assertion.jti);
    return assertion.identity;
  }
  const staff = verifyStaffToken(token, nowMs);
  return staff.ok ? staff.identity : undefined;
}
