import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CommandBinding, CommandSigner } from '../../client/commands';
import { LOCAL_DECISIONS_JWK } from '../../decisions/local-key';
import { bin } from '../../infra/local/paths';
import { issueStaffToken } from '../../sandboxes/idp';
import {
  argsDigest,
  COMMAND_AUDIENCE,
  COMMAND_TYP,
  MAX_ASSERTION_LIFETIME_S,
} from '../../workflows/shared/command-assertion';
import { LOCAL_DECISIONS_ISSUER, LOCAL_DECISIONS_KID, STAFF_AUDIENCE } from '../../workflows/shared/trust';

/** Workflow time for assertions: a time-skipping server's clock (far ahead of the wall clock), or the wall clock. */
export type WorkflowClock = () => number | Promise<number>;

/** What a test assertion says beyond its binding: who, and (for refusal tests) claims or header overridden. */
export interface AssertionClaims {
  sub: string;
  roles: string[];
  /** Issued at (ms, workflow time); default the clock's now. */
  iatMs?: number;
  /** Lifetime in seconds; default the longest a workflow accepts. */
  lifetimeS?: number;
  jti?: string;
  /** Claims replacing the computed ones (`wf`, `rid`, `cmd`, `args`, …); `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** The JOSE `typ`; `null` leaves it out. */
  typ?: string | null;
}

/**
 * A command assertion for `binding`, signed with the local decision service's key (what the decision service mints
 * for an authenticated staff member): iat = now (workflow time), exp = iat + 120 s.
 */
export async function mintAssertion(binding: CommandBinding, a: AssertionClaims): Promise<string> {
  const key = await importJWK(LOCAL_DECISIONS_JWK, 'EdDSA');
  const iat = Math.floor((a.iatMs ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {
    iss: LOCAL_DECISIONS_ISSUER,
    aud: COMMAND_AUDIENCE,
    sub: a.sub,
    roles: a.roles,
    jti: a.jti ?? randomUUID(),
    iat,
    exp: iat + (a.lifetimeS ?? MAX_ASSERTION_LIFETIME_S),
    wf: binding.workflowId,
    ...(binding.runId !== undefined ? { rid: binding.runId } : {}),
    cmd: binding.command,
    args: argsDigest(binding.args),
    ...a.claims,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  const typ = a.typ === undefined ? COMMAND_TYP : a.typ;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: LOCAL_DECISIONS_KID, ...(typ === null ? {} : { typ }) })
    .sign(key);
}

/**
 * A signer for `sub` holding `roles`, as the decision service would sign for them. With `clock` (a time-skipping
 * server's), each assertion is issued at that workflow time.
 */
export const staffSigner =
  (sub: string, roles: string[], clock?: WorkflowClock): CommandSigner =>
  async (binding) =>
    mintAssertion(binding, { sub, roles, iatMs: clock ? await clock() : Date.now() });

/** The roles of the tests' operators: `compliance.*` staff are compliance officers, everyone else payment ops. */
export const opsRoles = (operator: string): string[] => (operator.startsWith('compliance.') ? ['compliance'] : ['ops']);

/** An operator's signer (roles from {@link opsRoles}). */
export const opsSigner = (operator: string, clock?: WorkflowClock): CommandSigner =>
  staffSigner(operator, opsRoles(operator), clock);

/**
 * A raw command's argument signed for the workflow's current run, as the typed client would send it (for tests that
 * send updates or signals themselves): the run it is signed for and the argument with its `token`.
 */
export async function signedFor<A extends object>(
  client: Client,
  workflowId: string,
  command: string,
  arg: A,
  sign: CommandSigner,
): Promise<{ runId: string; arg: A & { token: string } }> {
  const { runId } = await client.workflow.getHandle(workflowId).describe();
  return { runId, arg: { ...arg, token: await sign({ workflowId, runId, command, args: arg }) } };
}

/**
 * How long test tokens stay valid: a test on the time-skipping server can jump decades of workflow time (every timer
 * of a case fires while the test waits), and a token must still verify against that clock afterwards.
 */
export const TIME_SKIPPING_VALIDITY_S = 100 * 365 * 86_400;

/**
 * An identity provider's staff token signed with the local IdP's key (valid for years). Workflows refuse it for new
 * commands (they take command assertions); tests use it to show that, and to replay older histories.
 */
export const staffToken = (sub: string, roles: string[]): Promise<string> =>
  issueStaffToken({ sub, roles, expiresInS: TIME_SKIPPING_VALIDITY_S });

/**
 * Tokens no workflow may accept for a command bound to `binding` (at workflow time `nowMs`): each with the refusal
 * code the validator gives. Includes the identity provider's own token, valid as such but no command assertion.
 */
export async function badAssertions(
  binding: CommandBinding,
  sub: string,
  roles: string[],
  nowMs = Date.now(),
): Promise<Array<[string, string, string]>> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const forged = await new SignJWT({ roles, wf: binding.workflowId, rid: binding.runId, cmd: binding.command })
    .setProtectedHeader({ alg: 'EdDSA', kid: LOCAL_DECISIONS_KID, typ: COMMAND_TYP })
    .setSubject(sub)
    .setIssuer(LOCAL_DECISIONS_ISSUER)
    .setAudience(COMMAND_AUDIENCE)
    .setExpirationTime('1m')
    .sign(privateKey);
  const real = (await mintAssertion(binding, { sub, roles: [], iatMs: nowMs })).split('.');
  const claims = JSON.parse(Buffer.from(real[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  const tampered = [real[0], Buffer.from(JSON.stringify({ ...claims, roles })).toString('base64url'), real[2]].join(
    '.',
  );
  const mint = (over: Partial<AssertionClaims>) => mintAssertion(binding, { sub, roles, iatMs: nowMs, ...over });
  return [
    ['forged (signed by an unknown key)', forged, 'token_bad_signature'],
    ['tampered (roles rewritten)', tampered, 'token_bad_signature'],
    ['expired', await mint({ iatMs: nowMs - 600_000 }), 'token_expired'],
    ['for another audience', await mint({ claims: { aud: STAFF_AUDIENCE } }), 'token_wrong_audience'],
    ['an identity provider token', await staffToken(sub, roles), 'token_untrusted_key'],
    ['for another command', await mint({ claims: { cmd: 'somethingElse' } }), 'assertion_wrong_command'],
    ['for another run', await mint({ claims: { rid: 'another-run' } }), 'assertion_wrong_run'],
    ['not a JWT', 'not-a-token', 'token_malformed'],
  ];
}

/**
 * A raw `temporal workflow update execute`, as anyone with access to the namespace could send it: no typed client,
 * no token unless the input carries one. Resolves with the CLI's exit code and output (never throws on refusal).
 */
export function rawUpdate(
  address: string,
  workflowId: string,
  name: string,
  input: unknown,
): Promise<{ code: number; output: string }> {
  const args = ['workflow', 'update', 'execute', '--address', address, '--workflow-id', workflowId];
  args.push('--name', name, '--input', JSON.stringify(input));
  return new Promise((resolve) => {
    execFile(bin('temporal'), args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
