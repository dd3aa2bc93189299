import { z } from 'zod';
import type { AwsClientOptions } from '../activities/adapters/aws';
import { isBic, isValidIban } from '../activities/adapters/bank/identifiers';
import { taskQueueSchema } from '../workflows/shared/task-queue';
import { payloadEncryptionEnv } from '../codec/env';
import { ADYEN_SECRETS, adyenEnv, LOCAL_ADYEN_API_KEY, LOCAL_ADYEN_WEBHOOK_HMAC_KEY } from './config-adyen';
import { operationsEnv } from './config-operations';
import { reconEnv } from './config-recon';
import { LOCAL_INGRESS_SIGNING_KEY_JSON } from './local-ingress-key';

/**
 * The only reader of `process.env`. Everything the processes need is parsed here with zod;
 * an invalid value stops start-up with a message naming the variable.
 */
const envSchema = z.object({
  /** `local` points AWS clients at moto and trusts the repository's local keys; `aws` uses the real endpoints and fails closed. */
  PAYOPS_MODE: z.enum(['local', 'aws']).default('local'),
  /** The Temporal frontend (`host:port`) the workers, ingress and decision service connect to. */
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  /** The Temporal namespace of every workflow. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Temporal Cloud API key (or `TEMPORAL_API_KEY_SECRET_ARN`, or an mTLS certificate through envconfig): never echoed. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** One task queue for the whole product: workers, ingress, runs and the typed client (PSP calls: `<queue>-psp`). */
  TEMPORAL_TASK_QUEUE: taskQueueSchema,
  /** TLS to the frontend (implied by an API key or a client certificate). */
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** The AWS region of every AWS client. */
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** The account the ARNs are built in (local: moto's). */
  AWS_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account ID' })
    .default('123456789012'),
  /** One endpoint for every AWS client (local: moto); refused in aws mode. */
  AWS_ENDPOINT_URL: z.url().optional(),
  /** Payload encryption and the codec server (codec/env.ts). */
  ...payloadEncryptionEnv,
  /** The PSP (Stripe API shape); local: the PSP sandbox. */
  PSP_API_BASE: z.url().default('http://127.0.0.1:12112'),
  // Secrets (see SECRET_VARIABLES): no schema default; local mode fills LOCAL_SECRETS, aws mode never does.
  /** The PSP API key the workers call with (or `PSP_SECRET_KEY_SECRET_ARN`); local mode only has a default. */
  PSP_SECRET_KEY: z.string().min(1).optional(),
  /** The PSP's webhook signing secret the ingress verifies (or its `…_SECRET_ARN`). */
  PSP_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Rotation: the previous PSP webhook secret, accepted until `PSP_WEBHOOK_SECRET_PREVIOUS_UNTIL`. */
  PSP_WEBHOOK_SECRET_PREVIOUS: z.string().min(1).optional(),
  /** Rotation: until when (ISO 8601) the previous PSP webhook secret is accepted. */
  PSP_WEBHOOK_SECRET_PREVIOUS_UNTIL: z.iso.datetime({ offset: true }).optional(),
  /** The bank's ISO 20022 endpoint (pain.001 in, status inquiries); local: the bank sandbox. */
  BANK_API_BASE: z.url().default('http://127.0.0.1:12113'),
  /** Our paying account, written into every pain.001 (debtor, debtor account, debtor agent). Local: a test IBAN. */
  BANK_DEBTOR_NAME: z.string().trim().min(1).max(140).default('PayOps'),
  /** Our paying account in every pain.001 (debtor account); never logged. */
  BANK_DEBTOR_IBAN: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .refine(isValidIban, { error: 'must be a valid IBAN (check digits included)' })
    .default('DE89370400440532013000'),
  /** Our bank's BIC in every pain.001 (debtor agent). */
  BANK_DEBTOR_BIC: z
    .string()
    .refine(isBic, { error: 'must be a BIC of 8 or 11 characters (ISO 9362)' })
    .default('COBADEFFXXX'),
  /** The creator directory: KYC, sanctions, payout methods, earnings, FX. */
  CREATORS_API_BASE: z.url().default('http://127.0.0.1:12114'),
  /** Commerce: orders, store credit, vouchers (approvals). */
  COMMERCE_API_BASE: z.url().default('http://127.0.0.1:12115'),
  /** Dispute evidence records. */
  EVIDENCE_API_BASE: z.url().default('http://127.0.0.1:12116'),
  /** The bank's webhook HMAC secret the ingress verifies (or its `…_SECRET_ARN`). */
  BANK_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Rotation: the previous bank webhook secret, accepted until `BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL`. */
  BANK_WEBHOOK_SECRET_PREVIOUS: z.string().min(1).optional(),
  /** Rotation: until when (ISO 8601) the previous bank webhook secret is accepted. */
  BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL: z.iso.datetime({ offset: true }).optional(),
  /** The ingress's rail-event signing key: an Ed25519 private JWK with `kid` and `iss` (ingress/rail-proof.ts). */
  INGRESS_SIGNING_KEY: z.string().min(1).optional(),
  // Secrets Manager secrets to read these from at start-up (workers/secrets.ts); the CDK stack sets them.
  /** Read `PSP_SECRET_KEY` from this Secrets Manager secret at start-up. */
  PSP_SECRET_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** Read `PSP_WEBHOOK_SECRET` from this secret (plain, or `{current, previous, previousValidUntil}`). */
  PSP_WEBHOOK_SECRET_SECRET_ARN: z.string().min(1).optional(),
  /** Read `BANK_WEBHOOK_SECRET` from this secret (plain, or `{current, previous, previousValidUntil}`). */
  BANK_WEBHOOK_SECRET_SECRET_ARN: z.string().min(1).optional(),
  /** Read `INGRESS_SIGNING_KEY` from this secret. */
  INGRESS_SIGNING_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** Read `TEMPORAL_API_KEY` from this secret. */
  TEMPORAL_API_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** The staff identity provider (OpenID Connect): `login` asks its token endpoint. Local: the sandbox. */
  IDP_URL: z.url().default('http://127.0.0.1:12117'),
  /** The decision service (`decisions/`) the staff CLIs send every command and read to. Local: `npm start`'s. */
  DECISIONS_URL: z.url().default('http://127.0.0.1:12118'),
  /** The Temporal Web UI ops open (the ops CLI's and the sweeper's links); the namespace is `TEMPORAL_NAMESPACE`. */
  WEB_UI_URL: z.url().default('http://127.0.0.1:8233'),
  /** The SNS topic domain events go to (`payout.paid`, `dispute.*`, …). */
  EVENTS_TOPIC_NAME: z.string().min(1).default('payops-events'),
  /** The DynamoDB ledger table (postings, balances). */
  LEDGER_TABLE: z.string().min(1).default('payops-ledger'),
  /** The DynamoDB audit table (decisions, ops commands, parked events). */
  AUDIT_TABLE: z.string().min(1).default('payops-audit'),
  /** The S3 bucket of run reports (`runs/<run>/summary.csv`). */
  REPORTS_BUCKET: z.string().min(1).default('payops-reports'),
  /** The SES sender of creator and team emails. */
  NOTIFY_FROM_EMAIL: z.email().default('payouts@payops.example'),
  /** The long-lived ingress's port. */
  INGRESS_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** The webhook ingress's bind address: 127.0.0.1 on a workstation, `0.0.0.0` (or `::`) in a container. */
  INGRESS_HOST: z
    .union([z.ipv4(), z.ipv6(), z.literal('localhost')], { error: 'must be an IP address or localhost' })
    .default('127.0.0.1'),
  /**
   * The memory the worker plans for, MB: its sticky cache and concurrency follow from it (workers/worker-sizing.ts).
   * Default: the Lambda function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`), else 1,024.
   */
  WORKER_MEMORY_MB: z.coerce.number().int().min(128).max(10_240).optional(),
  /** Set by Lambda: the function's memory, MB (the worker sizes itself from it unless WORKER_MEMORY_MB is set). */
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: z.coerce.number().int().min(128).max(10_240).optional(),
  /** Sticky cache size, overriding the one derived from the memory (0 turns the cache off). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  /** A workflow bundle prebuilt by `npm run build:lambda` (or the bench): the worker skips webpack at start-up and its memory. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** Local default only: aws mode requires it for the workers (REQUIRED_IN_AWS). */
  WORKER_BUILD_ID: z.string().min(1).default('local'),
  /** Worker versioning: the deployment name (Lambda workers are always versioned, pinned). */
  WORKER_DEPLOYMENT_NAME: z.string().min(1).default('payops'),
  /** Operations: retry reporting, the sweeper, logs and traces, PSP pacing (workers/config-operations.ts). */
  ...operationsEnv,
  /** Reconciliation accounts (workers/config-recon.ts). */
  ...reconEnv,
  /** The second PSP, Adyen: its keys (and their `…_SECRET_ARN`), URL, balance account, pacing (workers/config-adyen.ts). */
  ...adyenEnv,
});
type ParsedEnv = z.infer<typeof envSchema>;

/** The secrets the processes use. Never echoed in errors or logs. */
export const SECRET_VARIABLES = [
  'PSP_SECRET_KEY',
  'ADYEN_API_KEY',
  'ADYEN_WEBHOOK_HMAC_KEY',
  'PSP_WEBHOOK_SECRET',
  'BANK_WEBHOOK_SECRET',
  'INGRESS_SIGNING_KEY',
] as const;
export type SecretVariable = (typeof SECRET_VARIABLES)[number];
/** Webhook secrets that rotate: `<NAME>_PREVIOUS` stays valid until `<NAME>_PREVIOUS_UNTIL`. */
export const WEBHOOK_SECRETS = ['PSP_WEBHOOK_SECRET', 'BANK_WEBHOOK_SECRET'] as const;
export type WebhookSecretVariable = (typeof WEBHOOK_SECRETS)[number];

/** Local mode's secrets: public constants the sandboxes sign with. Refused in aws mode. */
export const LOCAL_SECRETS: Readonly<Record<SecretVariable, string>> = {
  /** The PSP API key the workers call with (or `PSP_SECRET_KEY_SECRET_ARN`); local mode only has a default. */
  PSP_SECRET_KEY: 'sk_test_local',
  /** The Adyen API key (`X-API-Key`): the sandbox takes any non-empty key (workers/config-adyen.ts). */
  ADYEN_API_KEY: LOCAL_ADYEN_API_KEY,
  /** The key the Adyen sandbox signs webhooks with (workers/config-adyen.ts). */
  ADYEN_WEBHOOK_HMAC_KEY: LOCAL_ADYEN_WEBHOOK_HMAC_KEY,
  /** The PSP's webhook signing secret the ingress verifies (or its `…_SECRET_ARN`). */
  PSP_WEBHOOK_SECRET: 'whsec_local',
  /** The bank's webhook HMAC secret the ingress verifies (or its `…_SECRET_ARN`). */
  BANK_WEBHOOK_SECRET: 'bank_local_secret',
  INGRESS_SIGNING_KEY: LOCAL_INGRESS_SIGNING_KEY_JSON,
};

/**
 * The secrets each process needs and refuses to start without (least privilege, as the CDK stack grants them): the
 * workers call the PSP; the ingress verifies both webhooks and signs what it delivers (rail-event proofs). Adyen's keys
 * are required by none: a deployment without them has no Adyen (workers/config-adyen.ts), which fails closed.
 */
export const PROCESS_SECRETS = {
  worker: ['PSP_SECRET_KEY'],
  ingress: ['PSP_WEBHOOK_SECRET', 'BANK_WEBHOOK_SECRET', 'INGRESS_SIGNING_KEY'],
  /** The decision service (`decisions/`) holds no provider secret: its signing key stays in KMS. */
  decisions: [],
} as const satisfies Record<string, readonly SecretVariable[]>;
export type ProcessRole = keyof typeof PROCESS_SECRETS;

/**
 * The parsed configuration. A secret is the local constant in local mode; in aws mode it is what was configured, or
 * `''` when this process was given none (`requireSecrets` refuses that for the secrets the process uses).
 */
export type AppConfig = Omit<ParsedEnv, SecretVariable> & Record<SecretVariable, string>;

/** Variables whose value never goes into an error message (secrets; account numbers are personal/financial data). */
const UNECHOED = new Set<string>([
  'BANK_DEBTOR_IBAN',
  'TEMPORAL_API_KEY',
  'OTEL_EXPORTER_OTLP_HEADERS',
  ...SECRET_VARIABLES,
  ...WEBHOOK_SECRETS.map((n) => `${n}_PREVIOUS`),
  ...ADYEN_SECRETS,
]);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const configError = (lines: string[]) => new ConfigError(`invalid configuration:\n${lines.join('\n')}`);

/** Rules zod cannot express alone: aws mode's (no endpoint override, no public secrets) and rotation's pairs. */
function modeIssues(data: ParsedEnv): string[] {
  const issues: string[] = [];
  const aws = data.PAYOPS_MODE === 'aws';
  if (aws && data.AWS_ENDPOINT_URL) issues.push('  AWS_ENDPOINT_URL: the endpoint override is for local mode only');
  // The balance account's default is the sandbox's: with a real key, payouts would leave from an account that is not
  // the platform's (and reconciliation read it).
  if (aws && data.ADYEN_API_KEY && !data.ADYEN_BALANCE_ACCOUNT_ID) {
    issues.push(
      '  ADYEN_BALANCE_ACCOUNT_ID: required with an Adyen API key when PAYOPS_MODE=aws (the platform account)',
    );
  }
  // Case-folded: a hex HMAC key is the same key in lower case.
  const publicValues = new Set(Object.values(LOCAL_SECRETS).map((v) => v.toUpperCase()));
  const secretValues = [
    ...SECRET_VARIABLES,
    ...WEBHOOK_SECRETS.map((n) => `${n}_PREVIOUS` as const),
    'ADYEN_WEBHOOK_HMAC_KEY_PREVIOUS' as const,
  ];
  for (const name of secretValues) {
    const value = data[name];
    if (aws && value !== undefined && publicValues.has(value.toUpperCase())) {
      issues.push(`  ${name}: a public local-mode constant is refused in aws mode; set the real secret`);
    }
  }
  for (const name of WEBHOOK_SECRETS) {
    const previous = data[`${name}_PREVIOUS`] !== undefined;
    const until = data[`${name}_PREVIOUS_UNTIL`] !== undefined;
    if (previous && !until)
      issues.push(`  ${name}_PREVIOUS_UNTIL: required with ${name}_PREVIOUS (end of its grace period)`);
    if (until && !previous) issues.push(`  ${name}_PREVIOUS_UNTIL: set without ${name}_PREVIOUS`);
  }
  return issues;
}

/** The lines naming each secret `role` needs but `config` lacks (empty in aws mode). */
function missingSecrets(config: Record<SecretVariable, string | undefined>, role: ProcessRole): string[] {
  return PROCESS_SECRETS[role]
    .filter((name) => !config[name])
    .map((name) => `  ${name}: required outside local mode (set ${name}, or ${name}_SECRET_ARN for Secrets Manager)`);
}

/** Throws `ConfigError` naming every secret `role` needs that `config` lacks; the process then refuses to start. */
export function requireSecrets(config: AppConfig, role: ProcessRole): void {
  const missing = missingSecrets(config, role);
  if (missing.length) throw configError(missing);
}

type Env = Record<string, string | undefined>;
const given = (env: Env, name: string) => (env[name] ?? '').trim() !== '';

/**
 * What each process needs in aws mode besides its secrets (`PROCESS_SECRETS`). Local mode's defaults (the dev server
 * on 127.0.0.1:7233, namespace `default`, build ID `local`, the public payload key) would otherwise start a process
 * that polls nothing, a worker whose runs are pinned to a build no deployment promotes, or one that fails only at its
 * first payload.
 */
export const REQUIRED_IN_AWS = {
  worker: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'WORKER_BUILD_ID', 'PAYLOAD_KMS_KEY_ID'],
  ingress: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PAYLOAD_KMS_KEY_ID'],
  decisions: ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PAYLOAD_KMS_KEY_ID'],
} as const satisfies Record<ProcessRole, readonly string[]>;

const WHY: Record<(typeof REQUIRED_IN_AWS)[ProcessRole][number], string> = {
  /** The Temporal frontend (`host:port`) the workers, ingress and decision service connect to. */
  TEMPORAL_ADDRESS: 'the cluster, host:port',
  /** The Temporal namespace of every workflow. */
  TEMPORAL_NAMESPACE: 'the namespace the product runs in',
  WORKER_BUILD_ID: 'the build this worker deploys as; runs are pinned to it',
  PAYLOAD_KMS_KEY_ID: 'the KMS key whose data keys encrypt payloads',
};

/** The mTLS half of envconfig's variables: a file path or the PEM itself. */
const CERT = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'];
const KEY = ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'];

/**
 * Lines naming what Temporal credentials lack: an API key (given, or by its Secrets Manager ARN, which
 * `loadProcessConfig` reads first), or an mTLS client certificate with its key.
 */
function credentialIssues(env: Env): string[] {
  if (given(env, 'TEMPORAL_API_KEY') || given(env, 'TEMPORAL_API_KEY_SECRET_ARN')) return [];
  const cert = CERT.some((n) => given(env, n));
  const key = KEY.some((n) => given(env, n));
  if (cert && key) return [];
  if (cert) return [`  TEMPORAL_TLS_CLIENT_KEY_PATH: required with the mTLS client certificate (or ${KEY[1]})`];
  if (key) return [`  TEMPORAL_TLS_CLIENT_CERT_PATH: required with the mTLS client key (or ${CERT[1]})`];
  return [
    '  TEMPORAL_API_KEY: Temporal credentials are required when PAYOPS_MODE=aws (set TEMPORAL_API_KEY or ' +
      'TEMPORAL_API_KEY_SECRET_ARN, or mTLS: TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)',
  ];
}

/**
 * Every line naming a variable `role` needs in aws mode but `env` lacks (values are never shown). Secrets are
 * checked beside this by `loadConfig`, so one error names everything missing at once.
 */
export function missingInAws(env: Env, role: ProcessRole): string[] {
  const missing = REQUIRED_IN_AWS[role]
    .filter((name) => !given(env, name))
    .map((name) => `  ${name}: required when PAYOPS_MODE=aws (${WHY[name]})`);
  return [...missing, ...credentialIssues(env)];
}

/**
 * Parses the environment (or a given map, for tests); throws `ConfigError` naming every bad variable. With `role`,
 * in aws mode, what that process needs must be set: the Temporal address, namespace and credentials, the worker's
 * build ID (`REQUIRED_IN_AWS`) and its secrets; `loadProcessConfig` (workers/secrets.ts) reads secrets
 * named by ARN from Secrets Manager first.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  opts: { role?: ProcessRole } = {},
): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw configError(
      result.error.issues.map(
        (i) =>
          `  ${i.path.join('.')}: ${i.message} (got ${UNECHOED.has(String(i.path[0])) ? 'a value not shown' : JSON.stringify(env[String(i.path[0])])})`,
      ),
    );
  }
  const data = result.data;
  const local = data.PAYOPS_MODE === 'local';
  const secrets = Object.fromEntries(
    SECRET_VARIABLES.map((name) => [name, data[name] ?? (local ? LOCAL_SECRETS[name] : '')]),
  ) as Record<SecretVariable, string>;
  const roleIssues = opts.role
    ? [...(local ? [] : missingInAws(env, opts.role)), ...missingSecrets(secrets, opts.role)]
    : [];
  const issues = [...modeIssues(data), ...roleIssues];
  if (issues.length) throw configError(issues);
  return { ...data, ...secrets };
}

/** AWS client options from config: the moto endpoint (default: the local stack's) only in local mode. */
export function awsOptions(config: AppConfig): AwsClientOptions {
  const local = config.PAYOPS_MODE === 'local';
  return {
    region: config.AWS_REGION,
    local,
    ...(local ? { endpoint: config.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000' } : {}),
  };
}

/**
 * The environment as Temporal's envconfig reads it, with config's parsed Temporal settings applied. TLS is left to
 * envconfig unless `TEMPORAL_TLS=true`, so an API key alone still turns it on.
 */
export function temporalEnv(
  config: AppConfig,
  env: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  return {
    ...env,
    /** The Temporal frontend (`host:port`) the workers, ingress and decision service connect to. */
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    /** The Temporal namespace of every workflow. */
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    /** Temporal Cloud API key (or `TEMPORAL_API_KEY_SECRET_ARN`, or an mTLS certificate through envconfig): never echoed. */
    TEMPORAL_API_KEY: config.TEMPORAL_API_KEY,
    /** TLS to the frontend (implied by an API key or a client certificate). */
    TEMPORAL_TLS: config.TEMPORAL_TLS ? 'true' : undefined,
  };
}
