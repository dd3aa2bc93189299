import { workflowInfo } from '@temporalio/workflow';
import {
  verifyCommandAssertion,
  type AcceptedAssertions,
  type AssertionRefusal,
  type CommandBinding,
} from './command-assertion';
import { FailureType, refusal, refusalTable } from './failures';
import { caseFold, verifyStaffToken, type StaffIdentity } from './identity';

/**
 * Who sent a staff command, proven by its command assertion (`command-assertion.ts`): the one staff-identity check
 * of every domain. An update validator (or a signal handler) verifies the assertion against the command it arrived
 * with and this run's accepted assertions, then the body's claims: `by` / `operator` / `agentId` must be the
 * assertion's subject and `tier` / `role` one of its roles (roles and IDs compared case-folded). The handler then
 * records the assertion as used ({@link acceptStaffCommand}).
 */

const unauthorizedBecause = (summary: string) => ({ type: FailureType.Unauthorized, summary });

/** Why a command was refused for who sent it (`details.code`; the type is always `Unauthorized`), in every domain. */
export const staffRefusals = refusalTable({
  token_missing: unauthorizedBecause('the command carries no command assertion'),
  token_malformed: unauthorizedBecause('the assertion is not a compact JWS'),
  token_untrusted_key: unauthorizedBecause('signed by a key this build does not trust'),
  token_bad_signature: unauthorizedBecause('the signature does not verify'),
  token_wrong_issuer: unauthorizedBecause('the issuer is not the one its key belongs to'),
  token_wrong_audience: unauthorizedBecause('the assertion is for another audience'),
  token_expired: unauthorizedBecause('the assertion has expired'),
  token_not_yet_valid: unauthorizedBecause('the assertion is not valid yet'),
  token_no_subject: unauthorizedBecause('the assertion names nobody'),
  assertion_wrong_type: unauthorizedBecause('not a command assertion (`typ` payops-command+jwt)'),
  assertion_too_long_lived: unauthorizedBecause('valid for longer than a command assertion may be (120 s)'),
  assertion_no_id: unauthorizedBecause('the assertion has no `jti`'),
  assertion_wrong_workflow: unauthorizedBecause('signed for another workflow'),
  assertion_wrong_run: unauthorizedBecause('signed for another run of the workflow'),
  assertion_wrong_command: unauthorizedBecause('signed for another command'),
  assertion_arguments_changed: unauthorizedBecause('the arguments differ from the ones signed'),
  assertion_replayed: unauthorizedBecause('this assertion was already used'),
  identity_mismatch: unauthorizedBecause('a body field names someone other than the signed-in staff member'),
  role_not_in_token: unauthorizedBecause('a body field names a role the staff member does not hold'),
  missing_role: unauthorizedBecause('the staff member holds none of the roles the command needs'),
  no_approvals_role: unauthorizedBecause('the staff member holds no approvals role'),
});

export type StaffRefusalCode = keyof typeof staffRefusals;
// The table lists every code the checks return, and nothing else.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const everyCode: Exactly<
  StaffRefusalCode,
  AssertionRefusal | 'identity_mismatch' | 'role_not_in_token' | 'missing_role' | 'no_approvals_role'
> = true;
void everyCode;

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
