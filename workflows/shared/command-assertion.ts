import { sha256 } from '@noble/hashes/sha2';
import { caseFold, identityOf, verifyEdDsaJws, type StaffIdentity, type TokenRefusal } from './identity';
import { trustedKeys, type TrustedKey } from './trust';

/**
 * A command assertion: the only proof of a human decision a workflow accepts for a new command. The decision service
 * (`decisions/`) signs it after it authenticated the staff member with the identity provider and checked the role;
 * it names one command on one workflow run with a digest of that command's arguments, lives at most two minutes and
 * is accepted once. A copy taken from a history therefore approves nothing else: another workflow, another command,
 * another amount, or the same command again are all refused.
 *
 * Wire form: a compact JWS, header `{ alg: 'EdDSA', kid, typ: 'payops-command+jwt' }`, claims
 * `{ iss, aud: 'payops-commands', sub, roles, name?, jti, iat, exp, wf, rid?, cmd, args }` where
 * - `wf` is the workflow ID (compared case-folded), `rid` the run ID the service addressed (absent for a start),
 * - `cmd` the update's, signal's or workflow type's wire name,
 * - `args` = {@link argsDigest} of the command's argument without its `token` field; for a workflow start whose token
 *   sits inside the input (the approvals start carries it at `requester.token`), the argument is the input with
 *   that nested token removed ({@link startArgs}), so the service and the workflow digest the same value,
 * - `exp - iat` ≤ {@link MAX_ASSERTION_LIFETIME_S}.
 * It travels in the command's existing `token` field (wire names unchanged). An update or signal is bound to one run:
 * its assertion must name that run's `rid` (so an assertion accepted before a continue-as-new is not accepted again
 * by the next run); a start names none.
 */

/** The audience every command assertion names. */
export const COMMAND_AUDIENCE = 'payops-commands';
/** The JOSE `typ` of a command assertion (an identity provider's token never carries it). */
export const COMMAND_TYP = 'payops-command+jwt';
/** The longest lifetime a workflow accepts (`exp - iat`), in seconds. */
export const MAX_ASSERTION_LIFETIME_S = 120;

/** What an assertion is bound to. */
export interface CommandBinding {
  workflowId: string;
  /** The run the command was sent to; absent for a workflow start. */
  runId?: string;
  /** The wire name: `approveCompensation`, `holdPayout`, `compensationApproval` (a start), … */
  command: string;
  /** The command's argument as sent; its `token` field is left out of the digest. */
  args: unknown;
}

/** Why an assertion was refused (`details.code`, type `Unauthorized`). */
export type AssertionRefusal =
  | TokenRefusal
  | 'assertion_wrong_type'
  | 'assertion_too_long_lived'
  | 'assertion_no_id'
  | 'assertion_wrong_workflow'
  | 'assertion_wrong_run'
  | 'assertion_wrong_command'
  | 'assertion_arguments_changed'
  | 'assertion_replayed';

export type AssertionCheck =
  { ok: true; identity: StaffIdentity; jti: string } | { ok: false; code: AssertionRefusal; message: string };

/** JSON with object keys sorted and `undefined` members dropped: the same value gives the same text everywhere. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += B64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** sha256 (base64url) of the canonical JSON of a command's argument without its top-level `token`. */
export function argsDigest(args: unknown): string {
  const body =
    args && typeof args === 'object' && !Array.isArray(args)
      ? Object.fromEntries(Object.entries(args as Record<string, unknown>).filter(([k]) => k !== 'token'))
      : args;
  return base64url(sha256(new TextEncoder().encode(canonicalJson(body))));
}

/**
 * The argument a workflow start is bound by: its input with the requester's token (`requester.token`) removed, since
 * the assertion travels there. `argsDigest(startArgs(input))` is the start's `args` claim; the decision service and
 * the workflow both compute it with this function. Other fields (including unknown ones) are kept as sent.
 */
export function startArgs(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const { requester, ...rest } = input as Record<string, unknown>;
  if (!requester || typeof requester !== 'object' || Array.isArray(requester)) return input;
  const { token: _token, ...who } = requester as Record<string, unknown>;
  return { ...rest, requester: who };
}

const refuse = (code: AssertionRefusal, message: string): AssertionCheck => ({ ok: false, code, message });

/**
 * Verifies a command assertion at `nowMs` (workflow time) against `binding`: signature by a decision-service key
 * trusted then, type, audience, lifetime, a `jti`, the workflow (case-folded), the run when the assertion names one,
 * the command and the arguments' digest. Never throws; messages never quote the token. Single use is the caller's
 * part ({@link AcceptedAssertions}).
 */
export function verifyCommandAssertion(
  token: unknown,
  nowMs: number,
  binding: CommandBinding,
  keys: TrustedKey[] = trustedKeys(undefined, 'decisions'),
): AssertionCheck {
  const checked = verifyEdDsaJws(token, nowMs, keys, COMMAND_AUDIENCE);
  if (!checked.ok) return checked;
  const { header, claims } = checked.jws;
  if (header['typ'] !== COMMAND_TYP)
    return refuse('assertion_wrong_type', `token: not a command assertion (typ ${COMMAND_TYP})`);
  const { iat, exp, jti, wf, rid, cmd, args } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > MAX_ASSERTION_LIFETIME_S || iat > exp)
    return refuse('assertion_too_long_lived', `token: a command assertion lives at most ${MAX_ASSERTION_LIFETIME_S} s`);
  if (iat - 60 > nowMs / 1000) return refuse('token_not_yet_valid', 'token: issued in the future');
  if (typeof jti !== 'string' || jti === '') return refuse('assertion_no_id', 'token: a command assertion needs a jti');
  if (typeof wf !== 'string' || caseFold(wf) !== caseFold(binding.workflowId))
    return refuse('assertion_wrong_workflow', 'token: signed for another workflow');
  if (binding.runId !== undefined ? rid !== binding.runId : rid !== undefined)
    return refuse('assertion_wrong_run', 'token: signed for another run of this workflow');
  if (cmd !== binding.command) return refuse('assertion_wrong_command', `token: not signed for ${binding.command}`);
  if (args !== argsDigest(binding.args))
    return refuse('assertion_arguments_changed', 'token: the command was changed after it was signed');
  const who = identityOf(checked.jws);
  return who.ok ? { ok: true, identity: who.identity, jti } : who;
}

/**
 * The assertion IDs one workflow run accepted: a second use of the same assertion is refused. Kept in the workflow's
 * state (never in module scope); assertions are bound to a run, so a new run starts empty.
 */
export class AcceptedAssertions {
  private readonly seen = new Set<string>();

  /** True when `jti` was accepted before in this run. */
  has(jti: string): boolean {
    return this.seen.has(jti);
  }

  /** Records `jti` as used; called by the handler, synchronously, before its first await. */
  accept(jti: string): void {
    this.seen.add(jti);
  }
}
