import { z } from 'zod';
import type { AwsClientOptions } from '../activities/adapters/aws';
import { isBic, isValidIban } from '../activities/adapters/bank/identifiers';
import { taskQueueSchema } from '../workflows/shared/task-queue';

/**
 * The only reader of `process.env`. Everything the processes need is parsed here with zod;
 * an invalid value stops start-up with a message naming the variable.
 */
const envSchema = z.object({
  PAYOPS_MODE: z.enum(['local', 'aws']).default('local'),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: taskQueueSchema,
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account ID' })
    .default('123456789012'),
  AWS_ENDPOINT_URL: z.url().optional(),
  PSP_API_BASE: z.url().default('http://127.0.0.1:12112'),
  PSP_SECRET_KEY: z.string().min(1).default('sk_test_local'),
  PSP_WEBHOOK_SECRET: z.string().min(1).default('whsec_local'),
  BANK_API_BASE: z.url().default('http://127.0.0.1:12113'),
  /** Our paying account, written into every pain.001 (debtor, debtor account, debtor agent). Local: a test IBAN. */
  BANK_DEBTOR_NAME: z.string().trim().min(1).max(140).default('PayOps'),
  BANK_DEBTOR_IBAN: z
    .string()
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .refine(isValidIban, { error: 'must be a valid IBAN (check digits included)' })
    .default('DE89370400440532013000'),
  BANK_DEBTOR_BIC: z
    .string()
    .refine(isBic, { error: 'must be a BIC of 8 or 11 characters (ISO 9362)' })
    .default('COBADEFFXXX'),
  CREATORS_API_BASE: z.url().default('http://127.0.0.1:12114'),
  COMMERCE_API_BASE: z.url().default('http://127.0.0.1:12115'),
  EVIDENCE_API_BASE: z.url().default('http://127.0.0.1:12116'),
  /** The staff identity provider (OpenID Connect): `login` asks its token endpoint. Local: the sandbox. */
  IDP_URL: z.url().default('http://127.0.0.1:12117'),
  BANK_WEBHOOK_SECRET: z.string().min(1).default('bank_local_secret'),
  EVENTS_TOPIC_NAME: z.string().min(1).default('payops-events'),
  LEDGER_TABLE: z.string().min(1).default('payops-ledger'),
  AUDIT_TABLE: z.string().min(1).default('payops-audit'),
  REPORTS_BUCKET: z.string().min(1).default('payops-reports'),
  NOTIFY_FROM_EMAIL: z.email().default('payouts@payops.example'),
  INGRESS_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** Sticky cache size: bounds the worker's memory when thousands of payouts are open (each cached run holds its state). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(400),
  /** A workflow bundle prebuilt by `npm run build:lambda` (or the bench): the worker skips webpack at start-up and its memory. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  WORKER_BUILD_ID: z.string().min(1).default('local'),
  WORKER_DEPLOYMENT_NAME: z.string().min(1).default('payops'),
});
export type AppConfig = z.infer<typeof envSchema>;

/** Variables whose value never goes into an error message (account numbers are personal/financial data). */
const UNECHOED = new Set(['BANK_DEBTOR_IBAN']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment (or a given map, for tests); throws `ConfigError` naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map(
      (i) =>
        `  ${i.path.join('.')}: ${i.message} (got ${UNECHOED.has(String(i.path[0])) ? 'a value not shown' : JSON.stringify(env[String(i.path[0])])})`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  if (result.data.PAYOPS_MODE === 'aws' && result.data.AWS_ENDPOINT_URL) {
    throw new ConfigError('invalid configuration:\n  AWS_ENDPOINT_URL: the endpoint override is for local mode only');
  }
  return result.data;
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
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_API_KEY: config.TEMPORAL_API_KEY,
    TEMPORAL_TLS: config.TEMPORAL_TLS ? 'true' : undefined,
  };
}
