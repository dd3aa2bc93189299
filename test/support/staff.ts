import { execFile } from 'node:child_process';
import { generateKeyPair, SignJWT } from 'jose';
import { bin } from '../../infra/local/paths';
import { issueStaffToken } from '../../sandboxes/idp';
import { LOCAL_ISSUER, LOCAL_KID, STAFF_AUDIENCE } from '../../workflows/shared/trust';

/**
 * How long test tokens stay valid: a test on the time-skipping server can jump decades of workflow time (every timer
 * of a case fires while the test waits), and a token must still verify against that clock afterwards.
 */
export const TIME_SKIPPING_VALIDITY_S = 100 * 365 * 86_400;

/**
 * A staff token signed with the local identity provider's key (trusted by the test bundle). Valid for years: on the
 * time-skipping server workflow time (against which workflows verify tokens) runs far ahead of the wall clock.
 */
export const staffToken = (sub: string, roles: string[]): Promise<string> =>
  issueStaffToken({ sub, roles, expiresInS: TIME_SKIPPING_VALIDITY_S });

/**
 * An operator's token (`compliance.*` staff are compliance officers, everyone else payment ops). With `workflowNowMs`
 * (a time-skipping server's clock, far ahead of the wall clock) it is valid for a year of workflow time from then.
 */
export const opsToken = (operator: string, workflowNowMs?: number): Promise<string> => {
  const roles = operator.startsWith('compliance.') ? ['compliance'] : ['ops'];
  if (workflowNowMs === undefined) return staffToken(operator, roles);
  const aheadS = Math.max(0, Math.ceil((workflowNowMs - Date.now()) / 1000));
  return issueStaffToken({ sub: operator, roles, expiresInS: aheadS + TIME_SKIPPING_VALIDITY_S });
};

/** Staff tokens no workflow may accept: each with the refusal code the validator gives. */
export async function badTokens(sub: string, roles: string[]): Promise<Array<[string, string, string]>> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  // Same issuer, audience and key ID as the real provider, signed with a key of the attacker's own.
  const forged = await new SignJWT({ roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: LOCAL_KID })
    .setSubject(sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(STAFF_AUDIENCE)
    .setExpirationTime('1h')
    .sign(privateKey);
  // A real token of someone without those roles, its claims rewritten to grant them (the signature no longer fits).
  const real = (await issueStaffToken({ sub, roles: [] })).split('.');
  const claims = JSON.parse(Buffer.from(real[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  const tampered = [real[0], Buffer.from(JSON.stringify({ ...claims, roles })).toString('base64url'), real[2]].join(
    '.',
  );
  return [
    ['forged (signed by an unknown key)', forged, 'token_bad_signature'],
    ['tampered (roles rewritten)', tampered, 'token_bad_signature'],
    ['expired', await issueStaffToken({ sub, roles, expiresInS: -600 }), 'token_expired'],
    ['for another audience', await issueStaffToken({ sub, roles, audience: 'some-other-app' }), 'token_wrong_audience'],
    [
      'from another issuer',
      await issueStaffToken({ sub, roles, issuer: 'https://idp.evil.example' }),
      'token_wrong_issuer',
    ],
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
