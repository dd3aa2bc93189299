import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { awsOptions, ConfigError, type AppConfig } from '../../workers/config';
import { secretsManagerClient } from '../../workers/secrets';

/**
 * The console's own settings. Locally everything defaults (the client ID the local identity provider takes, a
 * session key made at start, so a restart signs everyone out). Outside local mode nothing defaults: without its
 * client ID and session key the console is off (its pages answer 503 naming what is missing) while the
 * API goes on serving the CLIs.
 */
const consoleEnv = z.object({
  /** The OpenID Connect client the identity provider registered for the console. */
  DECISIONS_CONSOLE_CLIENT_ID: z.string().min(1).optional(),
  /** Its secret, for providers that want web apps to authenticate at the token endpoint (client_secret_post). */
  DECISIONS_CONSOLE_CLIENT_SECRET: z.string().min(1).optional(),
  /** 32 random bytes, base64url: seals the session cookie (every container of the service must share it). */
  DECISIONS_CONSOLE_SESSION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, {
      error: 'must be 32 random bytes, base64url (openssl rand 32 | basenc --base64url)',
    })
    .optional(),
  /**
   * The console's public origin when a name is in front of it (CloudFront, a custom domain): the redirect URI and the
   * origin check use it. Default: the origin the request came to (on Lambda the function URL's, which AWS sets).
   */
  DECISIONS_CONSOLE_URL: z.url().optional(),
});

export interface ConsoleConfig {
  clientId: string;
  clientSecret?: string;
  sessionKey: Uint8Array;
  /** Absent locally: the origin the request came to. */
  publicUrl?: string;
  /** Secure cookies (and the `__Host-` prefix) everywhere but a local plain-HTTP run. */
  secureCookies: boolean;
  webUi: { base: string; namespace: string };
}

/** The console's configuration, or why it is off (outside local mode, a missing setting). */
export function loadConsoleConfig(
  app: AppConfig,
  env: Record<string, string | undefined> = process.env,
): ConsoleConfig | { off: string } {
  const parsed = consoleEnv.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      `invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  const e = parsed.data;
  const local = app.PAYOPS_MODE === 'local';
  const missing = local
    ? []
    : (['DECISIONS_CONSOLE_CLIENT_ID', 'DECISIONS_CONSOLE_SESSION_KEY'] as const).filter((k) => e[k] === undefined);
  if (missing.length) return { off: `the console is not configured (${missing.join(', ')})` };
  const publicUrl = e.DECISIONS_CONSOLE_URL?.replace(/\/$/, '');
  return {
    clientId: e.DECISIONS_CONSOLE_CLIENT_ID ?? 'payops-console',
    ...(e.DECISIONS_CONSOLE_CLIENT_SECRET ? { clientSecret: e.DECISIONS_CONSOLE_CLIENT_SECRET } : {}),
    sessionKey: e.DECISIONS_CONSOLE_SESSION_KEY
      ? new Uint8Array(Buffer.from(e.DECISIONS_CONSOLE_SESSION_KEY, 'base64url'))
      : new Uint8Array(randomBytes(32)),
    ...(publicUrl ? { publicUrl } : {}),
    secureCookies: !local || (publicUrl?.startsWith('https:') ?? false),
    webUi: { base: app.WEB_UI_URL, namespace: app.TEMPORAL_NAMESPACE },
  };
}

/**
 * {@link loadConsoleConfig}, with the session key read from Secrets Manager when the environment names its secret
 * (`DECISIONS_CONSOLE_SESSION_KEY_SECRET_ARN`, as the CDK stack sets it). A secret that cannot be read turns the
 * console off (its pages say why) and leaves the API serving.
 */
export async function loadConsoleConfigWithSecrets(
  app: AppConfig,
  env: Record<string, string | undefined> = process.env,
): Promise<ConsoleConfig | { off: string }> {
  const arn = env['DECISIONS_CONSOLE_SESSION_KEY_SECRET_ARN'];
  if (!arn || env['DECISIONS_CONSOLE_SESSION_KEY']) return loadConsoleConfig(app, env);
  const client = secretsManagerClient(awsOptions(app));
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return loadConsoleConfig(app, { ...env, DECISIONS_CONSOLE_SESSION_KEY: out.SecretString?.trim() });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    console.error('[console] the session key secret cannot be read; the console is off:', (err as Error).name);
    return { off: 'the console is not configured (its session key secret cannot be read)' };
  } finally {
    client.destroy();
  }
}
