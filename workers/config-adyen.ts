import { z } from 'zod';

/**
 * The second PSP's (Adyen's) part of the process environment, in one place (issue 25): the ingress (webhook keys, the
 * transfer look-up), the worker (reconciliation's statement reader; the payouts' adapter) and `npm start` (the Adyen
 * queue's pacing). workers/config.ts spreads {@link adyenEnv} into the processes' schema, as it does the other
 * families, so each variable has one schema and one message naming it, and a process reads Adyen from its parsed
 * configuration with {@link adyenConfigOf}: that configuration holds the keys Secrets Manager supplied at start-up
 * (`ADYEN_API_KEY_SECRET_ARN`, `ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN`), which `process.env` never does.
 * {@link loadAdyenConfig} reads an environment directly, for what has no process configuration (`npm start`).
 */

/** `npm start`'s Adyen sandbox (sandboxes/adyen `ADYEN_SANDBOX_PORT`; repeated so no process bundles sandbox code). */
export const LOCAL_ADYEN_API_URL = 'http://127.0.0.1:12119';
/**
 * The local Adyen sandbox's HMAC key (`LOCAL_ADYEN_HMAC_KEY` in sandboxes/adyen; a unit test holds them equal).
 * Public by being in the repo: trusted in local mode only.
 */
export const LOCAL_ADYEN_WEBHOOK_HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
/**
 * The local Adyen API key (`X-API-Key`): the sandbox takes any non-empty key. Public by being in the repo: refused in
 * aws mode like the other local secrets (workers/config.ts `LOCAL_SECRETS`).
 */
export const LOCAL_ADYEN_API_KEY = 'adyen_test_local';
/** The platform's balance account in the sandbox (and the default until a deployment names its own). */
export const DEFAULT_ADYEN_BALANCE_ACCOUNT_ID = 'BA00000000000000PLATFORM';

/** Secret values: an issue names the variable, never echoes what it holds. */
export const ADYEN_SECRETS = ['ADYEN_API_KEY', 'ADYEN_WEBHOOK_HMAC_KEY', 'ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS'] as const;
const SECRET = new Set<string>(ADYEN_SECRETS);

const hexKey = z.string().regex(/^(?:[0-9A-Fa-f]{2}){16,128}$/, { error: 'must be a hex HMAC key' });
const rps = z.coerce
  .number({ error: 'must be a number of calls per second' })
  .positive({ error: 'must be > 0' })
  .max(10_000, { error: 'must be at most 10000' });

export const adyenEnv = {
  /**
   * The Transfers/Balance Platform API key (`X-API-Key`; or `ADYEN_API_KEY_SECRET_ARN`): the workers pay and read
   * statements with it, the ingress looks transfers up. Local mode only has a default; elsewhere, without it, there is
   * no Adyen adapter, no `psp-adyen` reconciliation account and no `/webhooks/adyen`.
   */
  ADYEN_API_KEY: z.string().min(1, { error: 'must not be empty' }).optional(),
  /** Read `ADYEN_API_KEY` from this Secrets Manager secret at start-up (workers/secrets.ts). */
  ADYEN_API_KEY_SECRET_ARN: z.string().min(1, { error: 'must not be empty' }).optional(),
  /** Where Adyen's APIs are (absent: Adyen itself, by `ADYEN_ENVIRONMENT`); local: the sandbox. */
  ADYEN_API_URL: z.url({ error: 'must be a URL' }).optional(),
  /**
   * The platform's balance account the payouts leave from and reconciliation reads (default: the sandbox's). Set, it
   * also tells a process that holds no key (the decision service) that the deployment has Adyen: its `psp-adyen`
   * reconciliation account exists.
   */
  ADYEN_BALANCE_ACCOUNT_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/, { error: 'must be an Adyen balance account ID' })
    .optional(),
  /** Adyen's test or live platform (an unknown value is refused, never read as test). */
  ADYEN_ENVIRONMENT: z.enum(['TEST', 'LIVE'], { error: 'must be TEST or LIVE' }).default('TEST'),
  /** The hex HMAC key Adyen signs webhooks with (or `ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN`); local: the sandbox's. */
  ADYEN_WEBHOOK_HMAC_KEY: hexKey.optional(),
  /** During a rotation, the previous key, accepted beside the current one until it is removed. */
  ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS: hexKey.optional(),
  /**
   * Read `ADYEN_WEBHOOK_HMAC_KEY` from this Secrets Manager secret at start-up: the hex key, or during a rotation
   * `{"current", "previous"}` (the previous key is accepted until it is removed from the secret).
   */
  ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN: z.string().min(1, { error: 'must not be empty' }).optional(),
  /**
   * Adyen pacing on `<queue>-psp-adyen`, like `PSP_RATE_LIMIT_RPS` for Stripe: calls per second per endpoint (each
   * Adyen activity is its own fairness key), and all Adyen calls together (the queue-wide limit; the incident pause
   * sets it to 0). Set them from the account's agreed limits.
   */
  ADYEN_RATE_LIMIT_RPS: rps.default(25),
  /** All Adyen calls together (the queue-wide limit); default: `ADYEN_RATE_LIMIT_RPS`. */
  ADYEN_ACCOUNT_RATE_LIMIT_RPS: rps.optional(),
};

const adyenEnvSchema = z.object(adyenEnv);
type AdyenEnv = z.infer<typeof adyenEnvSchema>;

/** Adyen's settings with the mode's defaults applied. */
export interface AdyenConfig {
  /** Undefined outside local mode when no API key is set: nothing calls Adyen (the webhook route answers 404). */
  apiKey?: string;
  apiUrl?: string;
  balanceAccountId: string;
  environment: 'TEST' | 'LIVE';
  /** The keys webhooks are accepted with (the current one first); empty when none is set outside local mode. */
  hmacKeys: string[];
  /** Per endpoint (`ADYEN_RATE_LIMIT_RPS`) and account-wide (`ADYEN_ACCOUNT_RATE_LIMIT_RPS`, default: per endpoint). */
  rateLimitRps: number;
  accountRateLimitRps: number;
}

/**
 * What {@link adyenConfigOf} reads: Adyen's parsed variables (a process's whole configuration will do). A secret may
 * be `''` where the processes' configuration marks an unset one so.
 */
export type AdyenVariables = Omit<AdyenEnv, 'ADYEN_API_KEY_SECRET_ARN' | 'ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN'>;

/**
 * Adyen's settings from parsed variables with the mode's defaults: local mode defaults to `npm start`'s sandbox (its
 * URL, its HMAC key, the local API key); on AWS nothing is defaulted but the balance account, environment and pacing,
 * so without keys there is no Adyen (fail closed).
 */
export function adyenConfigOf(mode: 'local' | 'aws', e: AdyenVariables): AdyenConfig {
  const local = mode === 'local';
  // `||`: the processes' configuration marks a secret it was not given as ''.
  const key = e.ADYEN_WEBHOOK_HMAC_KEY || (local ? LOCAL_ADYEN_WEBHOOK_HMAC_KEY : undefined);
  const apiKey = e.ADYEN_API_KEY || (local ? LOCAL_ADYEN_API_KEY : undefined);
  const apiUrl = e.ADYEN_API_URL ?? (local ? LOCAL_ADYEN_API_URL : undefined);
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(apiUrl ? { apiUrl } : {}),
    balanceAccountId: e.ADYEN_BALANCE_ACCOUNT_ID ?? DEFAULT_ADYEN_BALANCE_ACCOUNT_ID,
    environment: e.ADYEN_ENVIRONMENT,
    // A previous key alone configures nothing: rotation keeps the old key beside a current one.
    hmacKeys: key ? [key, e.ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS].filter((k): k is string => !!k) : [],
    rateLimitRps: e.ADYEN_RATE_LIMIT_RPS,
    accountRateLimitRps: e.ADYEN_ACCOUNT_RATE_LIMIT_RPS ?? e.ADYEN_RATE_LIMIT_RPS,
  };
}

/**
 * Reads Adyen's variables from an environment (not Secrets Manager: a process reads its configuration, which did,
 * through {@link adyenConfigOf}). A bad value stops start-up with one line per variable naming it (the value shown
 * unless it is a secret).
 */
export function loadAdyenConfig(
  mode: 'local' | 'aws',
  env: Record<string, string | undefined> = process.env,
): AdyenConfig {
  const r = adyenEnvSchema.safeParse(pick(env));
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const got = SECRET.has(name) ? 'value not shown' : `got ${JSON.stringify(env[name])}`;
      return `${name}: ${i.message} (${got})`;
    });
    throw new Error(lines.join('\n'));
  }
  return adyenConfigOf(mode, r.data);
}

/** Only the ADYEN_* variables; an empty value counts as unset (a blank line in an env file). */
function pick(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(adyenEnv)) {
    const v = env[name];
    if (v !== undefined && v !== '') out[name] = v;
  }
  return out;
}
