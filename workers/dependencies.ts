import type { WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createDynamoAudit } from '../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../activities/adapters/aws';
import { createIso20022Bank } from '../activities/adapters/bank/iso20022-bank';
import { createHttpCommerce } from '../activities/adapters/commerce/http-commerce';
import { createHttpCreators } from '../activities/adapters/creators/http-creators';
import { createHttpEvidence } from '../activities/adapters/evidence/http-evidence';
import { createDynamoLedger } from '../activities/adapters/ledger/dynamo-ledger';
import { createAwsNotifications } from '../activities/adapters/notifications/aws-notifications';
import { createStripePsp } from '../activities/adapters/psp/stripe-psp';
import { createAdyenTransfers } from '../activities/adapters/adyen/adyen-transfers';
import type { PayoutProviderPort } from '../activities/adapters/adyen/port';
import { createStripePspStatements } from '../activities/adapters/psp/stripe-statements';
import { createHttpBankStatements } from '../activities/adapters/bank/statements';
import { createS3Reports } from '../activities/adapters/reports/s3-reports';
import { expectedFailures } from '../activities/expected-failures';
import { createAdyenStatements, type AdyenStatementPort } from '../activities/recon/adyen-statements';
import { retryReporting } from '../activities/retry-reporting';
import { temporalSettings, type TemporalSettings } from '../client/connect';
import { awsOptions, temporalEnv, type AppConfig } from './config';
import { adyenConfigOf, type AdyenConfig } from './config-adyen';
import { reconAccounts } from './config-recon';
import type { Tracing } from './telemetry';
import { sizedWorkerOptions } from './worker-sizing';

/**
 * The composition root: real adapters from config. Tests swap single ports through `overrides`; the bench passes the
 * AWS clients (to count their calls).
 */
export function buildDependencies(
  config: AppConfig,
  overrides: Partial<ActivityDeps> = {},
  aws = makeAwsClients(awsOptions(config)),
): ActivityDeps {
  const account = config.PAYOPS_MODE === 'local' ? '123456789012' : config.AWS_ACCOUNT_ID;
  // From config, not process.env: the key may have come from Secrets Manager (`ADYEN_API_KEY_SECRET_ARN`).
  const adyen = adyenConfigOf(config.PAYOPS_MODE, config);
  return {
    psp: createStripePsp({ apiBase: config.PSP_API_BASE, secretKey: config.PSP_SECRET_KEY }),
    // Without a key (an aws deployment not granted one yet) there is no Adyen adapter: its activities fail typed.
    ...optional('adyen', adyenTransfersOf(adyen)),
    bank: createIso20022Bank({
      apiBase: config.BANK_API_BASE,
      debtor: { name: config.BANK_DEBTOR_NAME, iban: config.BANK_DEBTOR_IBAN, bic: config.BANK_DEBTOR_BIC },
    }),
    notifications: createAwsNotifications({
      aws,
      fromEmail: config.NOTIFY_FROM_EMAIL,
      topicArn: `arn:aws:sns:${config.AWS_REGION}:${account}:${config.EVENTS_TOPIC_NAME}`,
    }),
    ledger: createDynamoLedger({ aws, table: config.LEDGER_TABLE }),
    audit: createDynamoAudit({ aws, table: config.AUDIT_TABLE }),
    reports: createS3Reports({ aws, bucket: config.REPORTS_BUCKET }),
    creators: createHttpCreators({ apiBase: config.CREATORS_API_BASE }),
    evidence: createHttpEvidence({ apiBase: config.EVIDENCE_API_BASE }),
    commerce: createHttpCommerce({ apiBase: config.COMMERCE_API_BASE }),
    pspStatements: createStripePspStatements({ apiBase: config.PSP_API_BASE, secretKey: config.PSP_SECRET_KEY }),
    bankStatements: createHttpBankStatements({ apiBase: config.BANK_API_BASE }),
    ...optional('adyenStatements', adyenStatementsOf(adyen)),
    reconAccounts: reconAccounts(config),
    ...overrides,
  };
}

/** The payouts' Adyen adapter, with the workers' API key and Adyen's settings (workers/config-adyen.ts). */
function adyenTransfersOf(c: AdyenConfig): PayoutProviderPort | undefined {
  if (!c.apiKey) return undefined;
  return createAdyenTransfers({
    apiKey: c.apiKey,
    balanceAccountId: c.balanceAccountId,
    ...(c.apiUrl ? { apiBase: c.apiUrl } : {}),
    environment: c.environment,
  });
}

/**
 * Reconciliation's Adyen reader (balance account transactions), from workers/config-adyen.ts: local mode reads
 * `npm start`'s sandbox; elsewhere without `ADYEN_API_KEY` there is none (a `provider: adyen` account then fails its
 * run saying so).
 */
export function adyenStatementsOf(c: AdyenConfig): AdyenStatementPort | undefined {
  if (!c.apiKey) return undefined;
  return createAdyenStatements({
    apiKey: c.apiKey,
    balanceAccountId: c.balanceAccountId,
    ...(c.apiUrl ? { apiBase: c.apiUrl } : {}),
    environment: c.environment,
  });
}

/**
 * Temporal connection options through the typed client's envconfig reading (`temporal.toml` profile, `TEMPORAL_TLS_*`
 * files, gRPC metadata), with config's parsed address, namespace, API key and TLS switch on top: one rule for the
 * client, the workers and the ingress.
 */
export function connectionOptions(config: AppConfig): TemporalSettings['connection'] {
  return temporalSettings({ env: temporalEnv(config) }).connection;
}

/**
 * Worker options common to the long-lived and the Lambda worker, sized from the memory it has. With `tracing`, activities get OpenTelemetry's
 * interceptors and the workflow spans' sink; without it the sink is a no-op, so a bundle built with the tracing
 * workflow interceptors runs quietly (the SDK logs an error per call to a sink nobody registered).
 */
export function baseWorkerOptions(
  config: AppConfig,
  deps: ActivityDeps,
  tracing?: Tracing,
): Pick<
  WorkerOptions,
  | 'taskQueue'
  | 'activities'
  | 'interceptors'
  | 'sinks'
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
> {
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // Cache and concurrency from the worker's memory (workers/worker-sizing.ts), never the SDK's or Lambda's defaults.
    ...sizedWorkerOptions(config),
    activities: createActivities(deps),
    interceptors: {
      activity: [
        retryReporting({ afterAttempts: config.RETRY_REPORT_AFTER_ATTEMPTS }),
        expectedFailures(),
        ...(tracing?.activityInterceptors ?? []),
      ],
    },
    sinks: tracing?.sinks ?? { exporter: { export: { fn: () => undefined, callDuringReplay: false } } },
  };
}

/** `{ [key]: value }` when there is a value, else nothing (exactOptionalPropertyTypes: no `undefined` members). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
