import { Annotations, Aws, CfnOutput, Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ADYEN_SECRET_ARN_VARIABLE,
  SECRET_ARN_VARIABLE,
  type AdyenSecretName,
  type PayopsData,
  type SecretName,
} from './data';
import { stageDuckDbLayer } from './reports-layer';
import { PLACEHOLDER_ASSET, type Settings } from './settings';
import { workerProcessEnv } from './worker-memory';

/** The reports' Glue database and Athena workgroup (reports.ts creates them; the decision service queries them). */
export const reportsDatabaseName = (stage: string) => `payops_${stage}_reports`;
export const reportsWorkGroupName = (stage: string) => `payops-${stage}-reports`;
export const REPORT_TABLES = ['compensation_facts', 'payout_sla_facts'] as const;

/** Node 24 (LTS, supported until 2028) and x86_64: the architecture of the one Temporal core binary shipped. */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;
export const ARCHITECTURE = lambda.Architecture.X86_64;

const grant = (role: iam.Role, actions: string[], resources: string[]) =>
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));

/** Exactly the item calls the DynamoDB adapters make (TransactWriteItems is authorised per Put/Update inside it). */
/**
 * The ledger's calls: transactions are authorized per item action (TransactGetItems as GetItem); BatchGetItem reads
 * a payout's postings back (`getPostings`); Query reads account statements on the table and a day's postings on the
 * day index `gsi1` (see `grantWorker`).
 */
const LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
];
const AUDIT_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

/** One function with its own role (no managed policies), its own log group with retention, and a description. */
function payopsFunction(
  scope: Construct,
  id: string,
  props: Pick<
    lambda.FunctionProps,
    'description' | 'timeout' | 'memorySize' | 'environment' | 'retryAttempts' | 'layers' | 'ephemeralStorageSize'
  > & {
    settings: Settings;
    asset: string;
    reservedConcurrency?: number;
  },
) {
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `payops ${props.settings.stage}: ${id} execution role`,
  });
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.settings.stage === 'prod' ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.TWO_WEEKS,
    removalPolicy: props.settings.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  logGroup.grantWrite(role);
  const fn = new lambda.Function(scope, id, {
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(props.asset),
    description: props.description,
    timeout: props.timeout,
    memorySize: props.memorySize,
    environment: props.environment,
    retryAttempts: props.retryAttempts,
    layers: props.layers,
    ephemeralStorageSize: props.ephemeralStorageSize,
    reservedConcurrentExecutions: props.reservedConcurrency,
    role,
    logGroup,
  });
  if (props.asset === PLACEHOLDER_ASSET) {
    Annotations.of(fn).addWarningV2('payops:placeholder-code', `${id} deploys the placeholder; pass its built asset`);
  }
  return { fn, role };
}

/** The worker Lambda, its published version for this build ID, the role Temporal assumes, and the ingress. */
export class PayopsFunctions extends Construct {
  readonly worker: lambda.Function;
  readonly workerVersion: lambda.Version;
  readonly ingress: lambda.Function;
  readonly ingressUrl: lambda.FunctionUrl;
  readonly invokeRole: iam.Role;
  readonly decisions: lambda.Function;
  readonly decisionsUrl: lambda.FunctionUrl;
  /** The decision service's assertion-signing key: Ed25519 in KMS, usable (kms:Sign) by the decision service only. */
  readonly decisionsKey: kms.Key;
  /** DuckDB for the decision service's reports (reports-layer.ts). */
  readonly duckDbLayer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, settings: Settings, data: PayopsData) {
    super(scope, id);
    const secretEnv = (names: SecretName[]) =>
      Object.fromEntries(names.map((n) => [SECRET_ARN_VARIABLE[n], data.secrets[n].secretArn]));
    // Adyen (workers/config-adyen.ts), only where the deployment has it: its settings and the ARNs of the secrets each
    // process reads. Without them a process has no Adyen (no adapter, no reconciliation account, no webhook route).
    const adyenEnv = (names: AdyenSecretName[]): Record<string, string> => {
      const adyen = settings.adyen;
      const secrets = data.adyenSecrets;
      if (!adyen || !secrets) return {};
      return {
        ADYEN_BALANCE_ACCOUNT_ID: adyen.balanceAccountId,
        ADYEN_ENVIRONMENT: adyen.environment,
        ...Object.fromEntries(names.map((n) => [ADYEN_SECRET_ARN_VARIABLE[n], secrets[n].secretArn])),
      };
    };
    const common = {
      PAYOPS_MODE: 'aws',
      AWS_ACCOUNT_ID: Aws.ACCOUNT_ID,
      AUDIT_TABLE: data.auditTable.tableName,
      EVENTS_TOPIC_NAME: data.eventsTopic.topicName,
      NOTIFY_FROM_EMAIL: settings.notifyFromEmail,
      // codec/settings.ts reads the key as PAYLOAD_KMS_KEY_ID (an ARN is a valid KMS KeyId).
      PAYLOAD_KMS_KEY_ID: data.codecKey.keyArn,
      NODE_OPTIONS: '--enable-source-maps',
      ...(settings.temporalAddress ? { TEMPORAL_ADDRESS: settings.temporalAddress, TEMPORAL_TLS: 'true' } : {}),
      ...(settings.temporalNamespace ? { TEMPORAL_NAMESPACE: settings.temporalNamespace } : {}),
      ...(settings.taskQueue ? { TEMPORAL_TASK_QUEUE: settings.taskQueue } : {}),
    };

    const worker = payopsFunction(this, 'Worker', {
      settings,
      asset: settings.workerAsset,
      description: `payops ${settings.stage} Temporal worker (serverless, build ${settings.buildId})`,
      timeout: Duration.seconds(settings.workerTimeoutSeconds),
      memorySize: settings.workerMemoryMb,
      reservedConcurrency: settings.workerReservedConcurrency,
      environment: {
        ...common,
        LEDGER_TABLE: data.ledgerTable.tableName,
        REPORTS_BUCKET: data.reportsBucket.bucketName,
        WORKER_BUILD_ID: settings.buildId,
        // Heap limits and malloc arenas for the function's memory (the worker sizes its cache from the memory itself).
        ...workerProcessEnv(settings.workerMemoryMb),
        ...secretEnv(['pspSecretKey', 'temporalApiKey']),
        // The workers pay and reconcile Adyen: its API key, never its webhook key.
        ...adyenEnv(['adyenApiKey']),
      },
      // Temporal re-invokes the worker itself; Lambda's own async retries would only run duplicate pollers.
      retryAttempts: 0,
    });
    this.worker = worker.fn;
    const workerFn = worker.fn;
    // A new build ID changes the description, which replaces (publishes) the version; old versions are retained
    // because runs pinned to them keep being invoked until they finish.
    this.workerVersion = new lambda.Version(this, 'WorkerVersion', {
      lambda: workerFn,
      description: `payops worker build ${settings.buildId}`,
      removalPolicy: RemovalPolicy.RETAIN,
      retryAttempts: 0,
    });
    this.grantWorker(worker.role, data);

    const ingress = payopsFunction(this, 'Ingress', {
      settings,
      asset: settings.ingressAsset,
      description: `payops ${settings.stage} webhook ingress (PSP and bank)`,
      timeout: Duration.seconds(30),
      memorySize: 512,
      reservedConcurrency: settings.ingressReservedConcurrency,
      // Its own Temporal credential (ingressTemporalApiKey), not the worker's: see grantCommon.
      environment: {
        ...common,
        ...secretEnv(['pspWebhookSecret', 'bankWebhookSecret', 'ingressSigningKey', 'ingressTemporalApiKey']),
        // `/webhooks/adyen`: the HMAC key checks the signature, the API key looks the transfer up at Adyen before any
        // signal (a signed webhook may be stale).
        ...adyenEnv(['adyenApiKey', 'adyenWebhookHmacKey']),
      },
    });
    this.ingress = ingress.fn;
    const ingressFn = ingress.fn;
    // Auth NONE: the PSP and the bank cannot sign SigV4; every request is authenticated by its webhook signature
    // (Stripe-Signature, X-Bank-Signature, checked before anything reaches Temporal), bodies are capped at 1 MB and
    // reserved concurrency bounds a flood.
    this.ingressUrl = ingressFn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    grant(ingress.role, AUDIT_ACTIONS, [data.auditTable.tableArn]);
    this.grantCommon(ingress.role, data, [
      'pspWebhookSecret',
      'bankWebhookSecret',
      'ingressSigningKey',
      'ingressTemporalApiKey',
    ]);
    this.grantAdyen(ingress.role, data, ['adyenApiKey', 'adyenWebhookHmacKey']);
    // The ingress only starts and signals: its codec seals payloads with fresh data keys (GenerateDataKey) and never
    // opens one, so it cannot decrypt workflow histories even if it is compromised.
    grant(ingress.role, ['kms:GenerateDataKey'], [data.codecKey.keyArn]);

    const decisions = this.decisionService(settings, data, common);
    this.decisions = decisions.fn;
    this.decisionsUrl = decisions.url;
    this.decisionsKey = decisions.key;
    this.duckDbLayer = decisions.layer;

    this.invokeRole = this.temporalInvokeRole(settings, workerFn);
    new CfnOutput(scope, 'TemporalInvokeRoleArn', { value: this.invokeRole.roleArn });
    new CfnOutput(scope, 'WorkerFunctionArn', { value: workerFn.functionArn });
    new CfnOutput(scope, 'WorkerVersionArn', { value: this.workerVersion.functionArn });
    new CfnOutput(scope, 'IngressUrl', { value: this.ingressUrl.url });
    new CfnOutput(scope, 'DecisionsUrl', { value: this.decisionsUrl.url });
    new CfnOutput(scope, 'DecisionsSigningKeyArn', { value: this.decisionsKey.keyArn });
  }

  /**
   * The decision service: the only holder of the assertion-signing key (KMS, Ed25519: the workflows verify EdDSA;
   * its public half goes into workflows/shared/trust.ts with `decisionsIssuer` / `decisionsKid`), with its own
   * Temporal credential (a secret of its own, not the workers'), reading the audit table and the payload-codec key.
   * Function URL auth NONE: every request carries the identity provider's bearer token, verified before anything.
   */
  private decisionService(settings: Settings, data: PayopsData, common: Record<string, string>) {
    const key = new kms.Key(this, 'DecisionsSigningKey', {
      keySpec: kms.KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      description: `payops ${settings.stage}: signs the decision service's command assertions (Ed25519)`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const d = settings.decisions;
    // The reports' engine, external to the decisions bundle (reports-layer.ts says why a layer).
    const layer = new lambda.LayerVersion(this, 'DuckDbLayer', {
      code: lambda.Code.fromAsset(settings.reportsLayerAsset ?? stageDuckDbLayer().dir),
      compatibleRuntimes: [RUNTIME],
      compatibleArchitectures: [ARCHITECTURE],
      description: `payops ${settings.stage}: DuckDB (@duckdb/node-api, linux x64) for the decision service's reports`,
    });
    const service = payopsFunction(this, 'Decisions', {
      settings,
      asset: settings.decisionsAsset,
      description: `payops ${settings.stage} decision service (staff commands: signs and sends them)`,
      // A report reads a period's facts from Athena's result object into /tmp and DuckDB in memory: a month of a
      // million facts is about 0.5 GB of NDJSON and 1 GB of engine memory (npm run bench:reports). Commands are short,
      // so the larger size costs them little.
      timeout: Duration.seconds(60),
      memorySize: 2048,
      ephemeralStorageSize: Size.gibibytes(2),
      layers: [layer],
      reservedConcurrency: d.reservedConcurrency,
      environment: {
        ...common,
        DECISIONS_KMS_KEY_ID: key.keyArn,
        DECISIONS_OIDC_ISSUER: d.oidcIssuer,
        DECISIONS_OIDC_AUDIENCE: d.oidcAudience,
        DECISIONS_ISSUER: d.issuer,
        DECISIONS_KID: d.kid,
        ...(d.oidcDiscoveryUrl ? { DECISIONS_OIDC_DISCOVERY_URL: d.oidcDiscoveryUrl } : {}),
        ...(d.rolesClaim ? { DECISIONS_ROLES_CLAIM: d.rolesClaim } : {}),
        TEMPORAL_API_KEY_SECRET_ARN: data.secrets.decisionsTemporalApiKey.secretArn,
        // Adyen's account, no key: the decision service names the same reconciliation accounts as the workers.
        ...(settings.adyen ? { ADYEN_BALANCE_ACCOUNT_ID: settings.adyen.balanceAccountId } : {}),
        // Reconciliation days' results (`recon/…`), read for `recon day` and the rule preview.
        REPORTS_BUCKET: data.reportsBucket.bucketName,
        // The console (decisions/console/): on once its OIDC client is named and the session key secret has a value.
        DECISIONS_CONSOLE_SESSION_KEY_SECRET_ARN: data.secrets.decisionsConsoleSessionKey.secretArn,
        ...(d.consoleClientId ? { DECISIONS_CONSOLE_CLIENT_ID: d.consoleClientId } : {}),
        ...(d.consoleUrl ? { DECISIONS_CONSOLE_URL: d.consoleUrl } : {}),
        // The reports' facts through Athena (decisions/reports/athena-facts.ts; the names reports.ts gives them).
        REPORTS_ATHENA_WORKGROUP: reportsWorkGroupName(settings.stage),
        REPORTS_GLUE_DATABASE: reportsDatabaseName(settings.stage),
      },
    });
    grant(service.role, ['kms:Sign'], [key.keyArn]);
    // PutItem: a reconciliation re-run is audited (`recon-day:<account>:<date>`) before it starts.
    grant(service.role, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'], [data.auditTable.tableArn]);
    // A reconciliation day's results and its dry-run preview read the day's files (SSE-KMS with the data key).
    grant(service.role, ['s3:GetObject'], [data.reportsBucket.arnForObjects('recon/*')]);
    grant(service.role, ['kms:Decrypt'], [data.dataKey.keyArn]);
    grant(
      service.role,
      ['secretsmanager:GetSecretValue'],
      [data.secrets.decisionsTemporalApiKey.secretArn, data.secrets.decisionsConsoleSessionKey.secretArn],
    );
    grant(service.role, ['kms:Decrypt', 'kms:GenerateDataKey'], [data.codecKey.keyArn]);
    this.grantReportQueries(service.role, settings, data);
    const url = service.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    return { fn: service.fn, url, key, layer };
  }

  /**
   * The spend and service-level reports' queries: Athena runs them with the caller's rights, so the role reads the
   * Glue tables and the facts (ListBucket/GetBucketLocation on the bucket: Athena lists a partition's objects), and
   * writes and reads the results under athena-results/ (SSE-KMS with the data key: GenerateDataKey to write, Decrypt,
   * granted above, to read). Nothing else: no StopQueryExecution (a query past the bounded wait is left to the
   * workgroup's scan cutoff), no other workgroup, database or prefix.
   */
  private grantReportQueries(role: iam.Role, settings: Settings, data: PayopsData): void {
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const database = reportsDatabaseName(settings.stage);
    grant(
      role,
      ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
      [arn('athena', `workgroup/${reportsWorkGroupName(settings.stage)}`)],
    );
    grant(
      role,
      ['glue:GetDatabase', 'glue:GetTable'],
      [
        arn('glue', 'catalog'),
        arn('glue', `database/${database}`),
        ...REPORT_TABLES.map((t) => arn('glue', `table/${database}/${t}`)),
      ],
    );
    grant(role, ['s3:GetBucketLocation', 's3:ListBucket'], [data.reportsBucket.bucketArn]);
    grant(role, ['s3:GetObject'], [data.reportsBucket.arnForObjects('facts/*')]);
    grant(role, ['s3:GetObject', 's3:PutObject'], [data.reportsBucket.arnForObjects('athena-results/*')]);
    grant(role, ['kms:GenerateDataKey'], [data.dataKey.keyArn]);
  }

  private grantWorker(role: iam.Role, data: PayopsData): void {
    grant(role, LEDGER_ACTIONS, [data.ledgerTable.tableArn, `${data.ledgerTable.tableArn}/index/gsi1`]);
    grant(role, AUDIT_ACTIONS, [data.auditTable.tableArn]);
    grant(role, ['s3:GetObject', 's3:PutObject'], [data.reportsBucket.arnForObjects('*')]);
    grant(role, ['ses:SendEmail'], [data.sender.emailIdentityArn]);
    this.grantCommon(role, data, ['pspSecretKey', 'temporalApiKey']);
    this.grantAdyen(role, data, ['adyenApiKey']);
    // The codec's KMS calls (codec/kms-keyring.ts): GenerateDataKey to seal, Decrypt to unwrap a payload's data key.
    grant(role, ['kms:Decrypt', 'kms:GenerateDataKey'], [data.codecKey.keyArn]);
  }

  /** Events topic (publish through its KMS key) and the named secrets; the payload-codec key is granted per role. */
  private grantCommon(role: iam.Role, data: PayopsData, secrets: SecretName[]): void {
    grant(role, ['sns:Publish'], [data.eventsTopic.topicArn]);
    // SNS (SSE) and the reports bucket (SSE-KMS) encrypt with the data key on the caller's behalf.
    grant(role, ['kms:Decrypt', 'kms:GenerateDataKey'], [data.dataKey.keyArn]);
    grant(
      role,
      ['secretsmanager:GetSecretValue'],
      secrets.map((n) => data.secrets[n].secretArn),
    );
  }

  /** Adyen's named secrets, read once at start-up (workers/secrets.ts); nothing when the deployment has no Adyen. */
  private grantAdyen(role: iam.Role, data: PayopsData, names: AdyenSecretName[]): void {
    const secrets = data.adyenSecrets;
    if (!secrets) return;
    grant(
      role,
      ['secretsmanager:GetSecretValue'],
      names.map((n) => secrets[n].secretArn),
    );
  }

  /** The role Temporal Cloud assumes (with the agreed external ID) to invoke the worker's versions. */
  private temporalInvokeRole(settings: Settings, fn: lambda.Function): iam.Role {
    const principal = /^\d{12}$/.test(settings.temporalPrincipal)
      ? new iam.AccountPrincipal(settings.temporalPrincipal)
      : new iam.ArnPrincipal(settings.temporalPrincipal);
    const role = new iam.Role(this, 'TemporalInvokeRole', {
      assumedBy: principal,
      externalIds: [settings.temporalExternalId],
      description: `payops ${settings.stage}: assumed by Temporal to invoke the serverless worker`,
      maxSessionDuration: Duration.hours(1),
    });
    grant(role, ['lambda:InvokeFunction', 'lambda:GetFunction'], [fn.functionArn, `${fn.functionArn}:*`]);
    return role;
  }
}
