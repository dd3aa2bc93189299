import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The staff token the CLIs send with each decision: `login` gets it from the identity provider's token endpoint and
 * keeps it in `$PAYOPS_HOME/token` (default `~/.payops/token`, readable by the user only); `PAYOPS_TOKEN` overrides.
 */
export const sessionFile = (env: NodeJS.ProcessEnv = process.env) =>
  join(env['PAYOPS_HOME'] ?? join(homedir(), '.payops'), 'token');

/** Asks the identity provider for `username`'s token; a clear error when it refuses. */
export async function requestToken(idpUrl: string, username: string): Promise<string> {
  const res = await fetch(new URL('/token', idpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`login refused by the identity provider: ${body.error_description ?? res.status}`);
  return body.access_token;
}

export function saveToken(token: string, file = sessionFile()): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, token, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The token to send: `PAYOPS_TOKEN`, else the saved session; undefined when nobody logged in. */
export function loadToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['PAYOPS_TOKEN']) return env['PAYOPS_TOKEN'];
  try {
    return readFileSync(sessionFile(env), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The claims a token shows about its holder (unverified: for the CLI's own messages only; workflows verify). */
export function describeToken(token: string): { sub?: string; roles?: string[]; exp?: number } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: string;
      roles?: string[];
      exp?: number;
    };
  } catch {
    return {};
  }
}
