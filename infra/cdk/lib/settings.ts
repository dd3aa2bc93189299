import type { Node } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Stages differ only in how long logs are kept and how much they may scale; the shape is the same. */
export type Stage = 'dev' | 'prod';

/** Folder with a stub handler, so the app synthesises (tests, first look) before `npm run build:lambda` ran. */
export const PLACEHOLDER_ASSET = join(__dirname, '..', 'assets', 'placeholder');

/** The zip `npm run build:lambda` writes at the repository root (a .zip asset is uploaded as is), if it was built. */
const builtZip = (name: 'worker' | 'ingress' | 'decisions'): string | undefined => {
  const zip = join(__dirname, '..', '..', '..', 'dist', 'lambda', `${name}.zip`);
  return existsSync(zip) ? zip : undefined;
};

/**
 * Everything deployment-specific, read from CDK context (`-c key=value` or a local cdk.context.json, which is
 * gitignored): nothing account-specific is committed. Required keys fail synthesis with their names.
 */
export interface Settings {
  stage: Stage;
  /** Optional: the stack stays environment-agnostic (no look-ups) unless both are given. */
  account?: string;
  region?: string;
  /** The verified SES sender (`NOTIFY_FROM_EMAIL`). */
  notifyFromEmail: string;
  /** Who Temporal Cloud assumes the invoke role as: its AWS account ID (12 digits) or a principal ARN. */
  temporalPrincipal: string;
  /** The sts:ExternalId Temporal presents when assuming the invoke role (confused-deputy guard). */
  temporalExternalId: string;
  /** The worker build ID: one published Lambda version per build ID (worker versioning pins runs to it). */
  buildId: string;
  /**
   * The deployment packages: context `workerAsset` / `ingressAsset` (a .zip or a folder), else dist/lambda/<name>.zip
   * when `npm run build:lambda` wrote it, else the placeholder (flagged by a synth warning).
   */
  workerAsset: string;
  ingressAsset: string;
  /** The decision service's package (context `decisionsAsset`, else dist/lambda/decisions.zip, else the placeholder). */
  decisionsAsset: string;
  /** The DuckDB layer's folder or zip (context `reportsLayerAsset`); unset: staged from node_modules (reports-layer.ts). */
  reportsLayerAsset?: string;
  /**
   * The decision service's identity provider and assertion identity (no defaults: the service refuses to start
   * without them): the provider's issuer, the audience its staff tokens name, optionally its discovery URL and roles
   * claim; the `iss` and `kid` the workflows' trust set names for the service's KMS key.
   */
  decisions: {
    oidcIssuer: string;
    oidcAudience: string;
    oidcDiscoveryUrl?: string;
    rolesClaim?: string;
    issuer: string;
    kid: string;
    reservedConcurrency?: number;
    /** The console's OpenID Connect client ID at the provider (context `decisionsConsoleClientId`); unset: console off. */
    consoleClientId?: string;
    /** The console's public origin when a name is in front of the function URL (context `decisionsConsoleUrl`). */
    consoleUrl?: string;
  };
  workerReservedConcurrency?: number;
  ingressReservedConcurrency?: number;
  workerTimeoutSeconds: number;
  workerMemoryMb: number;
  /** Passed to the functions as TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_TASK_QUEUE when given. */
  temporalAddress?: string;
  temporalNamespace?: string;
  taskQueue?: string;
  /** Optional e-mail subscribed to the alarms topic. */
  alarmEmail?: string;
  /** The second PSP, Adyen; unset (no `adyenBalanceAccountId`): the deployment has no Adyen, and no Adyen secret. */
  adyen?: AdyenSettings;
}

/**
 * Adyen in a deployment (context `adyenBalanceAccountId`, `adyenEnvironment`, optionally the two secrets' ARNs).
 * Without an ARN the stack creates the secret, and an operator puts its value; with one it imports a secret made
 * (with its value) beforehand, so no process ever starts on a placeholder.
 */
export interface AdyenSettings {
  /** The platform's balance account the payouts leave from and reconciliation reads (`ADYEN_BALANCE_ACCOUNT_ID`). */
  balanceAccountId: string;
  /** Adyen's test or live platform (`ADYEN_ENVIRONMENT`): required, never assumed. */
  environment: 'TEST' | 'LIVE';
  /** Context `adyenApiKeySecretArn`: an existing secret holding `ADYEN_API_KEY` (its complete ARN). */
  apiKeySecretArn?: string;
  /** Context `adyenWebhookHmacKeySecretArn`: an existing secret holding `ADYEN_WEBHOOK_HMAC_KEY`. */
  webhookHmacKeySecretArn?: string;
}

/** A complete secret ARN (with the 6-character suffix Secrets Manager appends): IAM grants name it exactly. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** Adyen's context keys: all absent (no Adyen), or a balance account and an environment; problems are pushed. */
function readAdyen(node: Context, problems: string[]): AdyenSettings | undefined {
  const balanceAccountId = text(node, 'adyenBalanceAccountId');
  const environment = text(node, 'adyenEnvironment');
  const apiKeySecretArn = text(node, 'adyenApiKeySecretArn');
  const webhookHmacKeySecretArn = text(node, 'adyenWebhookHmacKeySecretArn');
  if (balanceAccountId === undefined) {
    const stray = Object.entries({
      adyenEnvironment: environment,
      adyenApiKeySecretArn: apiKeySecretArn,
      adyenWebhookHmacKeySecretArn: webhookHmacKeySecretArn,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (stray.length)
      problems.push(`adyenBalanceAccountId: required with ${stray.join(', ')} (Adyen is off without it)`);
    return undefined;
  }
  if (!/^[A-Za-z0-9]{1,64}$/.test(balanceAccountId)) {
    problems.push('adyenBalanceAccountId: must be an Adyen balance account ID');
  }
  if (environment !== 'TEST' && environment !== 'LIVE') {
    problems.push(
      `adyenEnvironment: must be TEST or LIVE with adyenBalanceAccountId (got ${JSON.stringify(environment)})`,
    );
  }
  for (const [key, arn] of [
    ['adyenApiKeySecretArn', apiKeySecretArn],
    ['adyenWebhookHmacKeySecretArn', webhookHmacKeySecretArn],
  ] as const) {
    if (arn !== undefined && !SECRET_ARN.test(arn)) problems.push(`${key}: must be a secret's complete ARN`);
  }
  return {
    balanceAccountId,
    environment: environment as AdyenSettings['environment'],
    ...(apiKeySecretArn ? { apiKeySecretArn } : {}),
    ...(webhookHmacKeySecretArn ? { webhookHmacKeySecretArn } : {}),
  };
}

type Context = Pick<Node, 'tryGetContext'>;

function text(node: Context, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function int(node: Context, key: string, min: number, max: number): number | undefined {
  const raw = text(node, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`context ${key}: must be an integer in [${min}, ${max}] (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** Parses the context; throws one error naming every missing or invalid key. */
export function readSettings(node: Context): Settings {
  const stage = text(node, 'stage') ?? 'dev';
  const problems: string[] = [];
  if (stage !== 'dev' && stage !== 'prod') problems.push(`stage: must be dev or prod (got ${JSON.stringify(stage)})`);
  const required = (key: string): string => {
    const value = text(node, key);
    if (value === undefined) problems.push(`${key}: required (-c ${key}=...)`);
    return value ?? '';
  };
  const notifyFromEmail = required('notifyFromEmail');
  const temporalPrincipal = required('temporalPrincipal');
  const temporalExternalId = required('temporalExternalId');
  const buildId = required('buildId');
  const decisions = {
    oidcIssuer: required('decisionsOidcIssuer'),
    oidcAudience: required('decisionsOidcAudience'),
    issuer: required('decisionsIssuer'),
    kid: required('decisionsKid'),
  };
  if (temporalPrincipal && !/^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:.+)$/.test(temporalPrincipal)) {
    problems.push('temporalPrincipal: must be a 12-digit account ID or an IAM principal ARN');
  }
  if (buildId && !/^[A-Za-z0-9._-]{1,64}$/.test(buildId)) problems.push('buildId: use [A-Za-z0-9._-], at most 64');
  const adyen = readAdyen(node, problems);
  if (problems.length) throw new Error(`payops CDK app: invalid context:\n  ${problems.join('\n  ')}`);
  return {
    stage: stage as Stage,
    account: text(node, 'account'),
    region: text(node, 'region'),
    notifyFromEmail,
    temporalPrincipal,
    temporalExternalId,
    buildId,
    workerAsset: text(node, 'workerAsset') ?? builtZip('worker') ?? PLACEHOLDER_ASSET,
    ingressAsset: text(node, 'ingressAsset') ?? builtZip('ingress') ?? PLACEHOLDER_ASSET,
    decisionsAsset: text(node, 'decisionsAsset') ?? builtZip('decisions') ?? PLACEHOLDER_ASSET,
    reportsLayerAsset: text(node, 'reportsLayerAsset'),
    decisions: {
      ...decisions,
      oidcDiscoveryUrl: text(node, 'decisionsOidcDiscoveryUrl'),
      rolesClaim: text(node, 'decisionsRolesClaim'),
      reservedConcurrency: int(node, 'decisionsReservedConcurrency', 1, 10_000),
      consoleClientId: text(node, 'decisionsConsoleClientId'),
      consoleUrl: text(node, 'decisionsConsoleUrl'),
    },
    workerReservedConcurrency: int(node, 'workerReservedConcurrency', 1, 10_000),
    ingressReservedConcurrency: int(node, 'ingressReservedConcurrency', 1, 10_000),
    workerTimeoutSeconds: int(node, 'workerTimeoutSeconds', 30, 900) ?? 300,
    workerMemoryMb: int(node, 'workerMemoryMb', 512, 10_240) ?? 1024,
    temporalAddress: text(node, 'temporalAddress'),
    temporalNamespace: text(node, 'temporalNamespace'),
    taskQueue: text(node, 'taskQueue'),
    alarmEmail: text(node, 'alarmEmail'),
    ...(adyen ? { adyen } : {}),
  };
}
