import { deviceLogin, describeToken, loadToken, saveToken, sessionFile } from '../staff-session';
import { UsageError } from './args';

/**
 * `login [--as <staff>]` for either CLI: the identity provider's device login (RFC 8628). Without `--as` it prints
 * the page and code for the person to sign in with; with `--as` (local mode only: the local provider's sign-in is a
 * staff ID) it completes that step itself. Keeps the provider's token, says who and until when.
 */
export async function login(
  idpUrl: string,
  staff: string | undefined,
  mode: 'local' | 'aws',
  say: (line: string) => void = (l) => console.error(l),
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (staff !== undefined && mode !== 'local')
    throw new UsageError('--as', 'only for the local identity provider: run login without it and sign in in a browser');
  const token = await deviceLogin(idpUrl, {
    ...(staff !== undefined ? { completeAs: staff } : {}),
    prompt: (p) =>
      say(`To sign in, open ${p.verificationUriComplete ?? p.verificationUri} and enter the code ${p.userCode}`),
  });
  saveToken(token, sessionFile(env));
  const c = describeToken(token);
  const roles = (c.roles ?? []).join(', ') || 'no roles';
  return `logged in as ${c.sub} (${roles}) until ${new Date((c.exp ?? 0) * 1000).toISOString()}; token in ${sessionFile(env)}`;
}

/**
 * The token every request to the decision service carries (`PAYOPS_TOKEN`, else the saved session). Without one the
 * command stops before any request (exit 2), and the message says how to log in.
 */
export function requireToken(cli: 'ops' | 'finance', env: NodeJS.ProcessEnv = process.env): string {
  const token = loadToken(env);
  if (!token)
    throw new UsageError(
      'login',
      `not logged in: run npx payops-${cli} login --as <staff> (or set PAYOPS_TOKEN)`,
      true,
    );
  return token;
}
