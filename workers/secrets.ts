import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { AwsClientOptions } from '../activities/adapters/aws';
import {
  awsOptions,
  ConfigError,
  loadConfig,
  WEBHOOK_SECRETS,
  type AppConfig,
  type ProcessRole,
  type WebhookSecretVariable,
} from './config';

/**
 * Variables a Secrets Manager secret may supply: `<NAME>_SECRET_ARN` names the secret (the CDK stack sets one per
 * secret, and grants each process only the ones it uses).
 */
export const SECRETS_MANAGER_VARIABLES = [
  'PSP_SECRET_KEY',
  'PSP_WEBHOOK_SECRET',
  'BANK_WEBHOOK_SECRET',
  'INGRESS_SIGNING_KEY',
  'TEMPORAL_API_KEY',
  // Adyen's (workers/config-adyen.ts): optional, granted only where a deployment has Adyen.
  'ADYEN_API_KEY',
  'ADYEN_WEBHOOK_HMAC_KEY',
] as const;

/**
 * A webhook secret's value in Secrets Manager: the plain secret, or during a rotation this JSON, whose `previous`
 * stays valid until `previousValidUntil` (ISO 8601).
 */
const rotatingSecret = z
  .object({
    current: z.string().min(1),
    previous: z.string().min(1).optional(),
    previousValidUntil: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const isWebhookSecret = (name: string): name is WebhookSecretVariable =>
  (WEBHOOK_SECRETS as readonly string[]).includes(name);

/**
 * Adyen's HMAC key rotates without an end: its previous key (`ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS`) is accepted until it is
 * removed, so its JSON form has no `previousValidUntil` (one given is refused, rather than read as an expiry it is not).
 */
const ROTATES_UNTIL_REMOVED = 'ADYEN_WEBHOOK_HMAC_KEY';

/** A Secrets Manager client like the other AWS clients: moto's endpoint and test credentials only in local mode. */
export function secretsManagerClient(options: AwsClientOptions): SecretsManagerClient {
  return new SecretsManagerClient({
    region: options.region,
    ...(options.local
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }
      : {}),
  });
}

type Env = Record<string, string | undefined>;

/**
 * The variables one secret's value sets: `NAME`, plus `NAME_PREVIOUS(_UNTIL)` for a rotating webhook secret
 * (`NAME_PREVIOUS` alone for Adyen's HMAC key).
 */
function valuesOf(name: string, value: string): Env | string {
  const untilRemoved = name === ROTATES_UNTIL_REMOVED;
  if (!(isWebhookSecret(name) || untilRemoved) || !value.trimStart().startsWith('{')) return { [name]: value };
  let parsed: z.infer<typeof rotatingSecret> | undefined;
  try {
    parsed = rotatingSecret.safeParse(JSON.parse(value)).data;
  } catch {
    parsed = undefined;
  }
  if (untilRemoved) {
    return parsed && parsed.previousValidUntil === undefined
      ? { [name]: parsed.current, [`${name}_PREVIOUS`]: parsed.previous }
      : `a JSON value must be {"current", "previous"?}: the previous key stays valid until removed (value not shown)`;
  }
  if (!parsed) return `a JSON value must be {"current", "previous"?, "previousValidUntil"?} (value not shown)`;
  return {
    [name]: parsed.current,
    [`${name}_PREVIOUS`]: parsed.previous,
    [`${name}_PREVIOUS_UNTIL`]: parsed.previousValidUntil,
  };
}

/**
 * `env` with every secret named by a `<NAME>_SECRET_ARN` read from Secrets Manager (one call each, at start-up).
 * Throws `ConfigError` naming the variable when a secret cannot be read or is also set directly; values never
 * appear in messages.
 */
export async function resolveSecretEnv(env: Env, client: SecretsManagerClient): Promise<Env> {
  const errors: string[] = [];
  const found: Env[] = await Promise.all(
    SECRETS_MANAGER_VARIABLES.map(async (name): Promise<Env> => {
      const arn = env[`${name}_SECRET_ARN`];
      if (!arn) return {};
      const direct = [name, `${name}_PREVIOUS`, `${name}_PREVIOUS_UNTIL`].filter((n) => env[n] !== undefined);
      if (direct.length) {
        errors.push(`  ${name}_SECRET_ARN: set it or ${direct.join(', ')}, not both`);
        return {};
      }
      let value: string | undefined;
      try {
        value = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
      } catch (err) {
        const e = err as Error;
        errors.push(`  ${name}_SECRET_ARN: cannot read the secret (${e.name}: ${e.message})`);
        return {};
      }
      const values = value ? valuesOf(name, value) : 'the secret has no string value';
      if (typeof values === 'string') errors.push(`  ${name}_SECRET_ARN: ${values}`);
      return typeof values === 'string' ? {} : values;
    }),
  );
  if (errors.length) throw new ConfigError(`invalid configuration:\n${errors.join('\n')}`);
  const resolved: Env = { ...env };
  for (const values of found) {
    for (const [k, v] of Object.entries(values)) if (v !== undefined) resolved[k] = v;
  }
  return resolved;
}

/**
 * A process's configuration at start-up: the environment parsed, secrets named by `*_SECRET_ARN` read from Secrets
 * Manager, and the secrets `role` needs required outside local mode (local mode keeps its public defaults). `client`
 * lets tests point the same path at moto while the mode is aws.
 */
export async function loadProcessConfig(
  role: ProcessRole,
  opts: { env?: Env; client?: SecretsManagerClient } = {},
): Promise<AppConfig> {
  const env = opts.env ?? process.env;
  const base = loadConfig(env);
  if (!SECRETS_MANAGER_VARIABLES.some((name) => env[`${name}_SECRET_ARN`])) return loadConfig(env, { role });
  const client = opts.client ?? secretsManagerClient(awsOptions(base));
  try {
    return loadConfig(await resolveSecretEnv(env, client), { role });
  } finally {
    if (!opts.client) client.destroy();
  }
}
