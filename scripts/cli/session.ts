import { describeToken, loadToken, requestToken, saveToken, sessionFile } from '../staff-session';
import { UsageError } from './args';

/** `login --as <staff>` for either CLI: asks the identity provider, keeps the token, says who and until when. */
export async function login(idpUrl: string, staff: string): Promise<string> {
  const token = await requestToken(idpUrl, staff);
  saveToken(token);
  const c = describeToken(token);
  const roles = (c.roles ?? []).join(', ') || 'no roles';
  return `logged in as ${c.sub} (${roles}) until ${new Date((c.exp ?? 0) * 1000).toISOString()}; token in ${sessionFile()}`;
}

/**
 * The token a decision carries (`PAYOPS_TOKEN`, else the saved session). Without one the command stops before
 * connecting (exit 2): the workflow would refuse it anyway, and the message says how to log in.
 */
export function requireToken(cli: 'ops' | 'finance'): string {
  const token = loadToken();
  if (!token)
    throw new UsageError(
      'login',
      `not logged in: run npm run ${cli} -- login --as <staff> (or set PAYOPS_TOKEN)`,
      true,
    );
  return token;
}
