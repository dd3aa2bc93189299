import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The staff token the CLIs send to the decision service: `login` gets it from the identity provider (the device
 * authorization grant) and keeps it in `$PAYOPS_HOME/token` (default `~/.payops/token`, readable by the user only);
 * `PAYOPS_TOKEN` overrides. It is the provider's own token: the session holds no Temporal or AWS credential.
 */
export const sessionFile = (env: NodeJS.ProcessEnv = process.env) =>
  join(env['PAYOPS_HOME'] ?? join(homedir(), '.payops'), 'token');

/** The device grant's type (RFC 8628 §3.4). */
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** What the person must do to finish a device login: open the page and enter the code. */
export interface DevicePrompt {
  verificationUri: string;
  verificationUriComplete?: string;
  userCode: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function postForm(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * Logs in with the OAuth 2.0 device authorization grant (RFC 8628) at the provider `idpUrl`'s discovery document
 * names: asks for a device code, hands the page and user code to `prompt` (the person opens it and signs in), then
 * polls the token endpoint until the provider answers. With `completeAs` (the local identity provider only, which
 * takes a staff ID as the whole sign-in) the CLI fills in the verification page itself: one command, no browser.
 */
export async function deviceLogin(
  idpUrl: string,
  opts: { completeAs?: string; prompt?: (p: DevicePrompt) => void; clientId?: string; timeoutMs?: number } = {},
): Promise<string> {
  const discovery = await fetch(new URL('/.well-known/openid-configuration', idpUrl));
  const doc = (await discovery.json().catch(() => ({}))) as {
    device_authorization_endpoint?: string;
    token_endpoint?: string;
  };
  if (!discovery.ok || !doc.device_authorization_endpoint || !doc.token_endpoint)
    throw new Error('login: the identity provider offers no device login (device_authorization_endpoint)');
  const clientId = opts.clientId ?? 'payops-cli';
  const started = await postForm(doc.device_authorization_endpoint, { client_id: clientId });
  const device = (await started.json().catch(() => ({}))) as {
    device_code?: string;
    user_code?: string;
    verification_uri?: string;
    verification_uri_complete?: string;
    expires_in?: number;
    interval?: number;
  };
  if (!started.ok || !device.device_code || !device.user_code || !device.verification_uri)
    throw new Error(`login refused by the identity provider: device authorization answered ${started.status}`);
  if (opts.completeAs !== undefined) {
    const verified = await postForm(device.verification_uri, {
      user_code: device.user_code,
      username: opts.completeAs,
    });
    if (!verified.ok)
      throw new Error(
        `login refused by the identity provider: ${verified.status === 401 ? 'unknown staff member' : verified.status}`,
      );
  } else {
    opts.prompt?.({
      verificationUri: device.verification_uri,
      userCode: device.user_code,
      ...(device.verification_uri_complete ? { verificationUriComplete: device.verification_uri_complete } : {}),
    });
  }
  let intervalMs = Math.max(1, device.interval ?? 5) * 1000;
  const deadline = Date.now() + Math.min(opts.timeoutMs ?? Infinity, (device.expires_in ?? 600) * 1000);
  for (;;) {
    const res = await postForm(doc.token_endpoint, {
      grant_type: DEVICE_CODE_GRANT,
      device_code: device.device_code,
      client_id: clientId,
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      error?: string;
      error_description?: string;
    };
    if (res.ok && body.access_token) return body.access_token;
    if (body.error === 'slow_down') intervalMs += 5000;
    else if (body.error !== 'authorization_pending')
      throw new Error(`login refused by the identity provider: ${body.error_description ?? body.error ?? res.status}`);
    if (Date.now() + intervalMs > deadline) throw new Error('login: the device code expired before sign-in finished');
    // Completing it ourselves, the first poll races the page's answer only by a moment: ask again at once.
    await sleep(opts.completeAs !== undefined ? 100 : intervalMs);
  }
}

/** Asks the identity provider for `username`'s token (password grant, local provider); an error when it refuses. */
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
