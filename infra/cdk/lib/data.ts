import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Settings } from './settings';

/** The secrets the processes read; values are put by an operator (`aws secretsmanager put-secret-value`). */
export const SECRET_NAMES = [
  'pspSecretKey',
  'pspWebhookSecret',
  'bankWebhookSecret',
  'ingressSigningKey',
  'temporalApiKey',
  'ingressTemporalApiKey',
  'decisionsTemporalApiKey',
  'decisionsConsoleSessionKey',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

const SECRET_DESCRIPTIONS: Record<SecretName, string> = {
  pspSecretKey: 'PSP (Stripe) API secret key: PSP_SECRET_KEY',
  pspWebhookSecret: 'PSP webhook signing secret: PSP_WEBHOOK_SECRET',
  bankWebhookSecret: 'Bank webhook HMAC secret: BANK_WEBHOOK_SECRET',
  ingressSigningKey: 'Ingress rail-event signing key (Ed25519 private JWK with kid and iss): INGRESS_SIGNING_KEY',
  temporalApiKey: "Temporal Cloud API key of the worker's service account: the worker's TEMPORAL_API_KEY",
  ingressTemporalApiKey:
    "Temporal Cloud API key of the ingress's own service account (start and signal only): the ingress's TEMPORAL_API_KEY",
  decisionsTemporalApiKey:
    "Temporal Cloud API key of the decision service's own service account: its TEMPORAL_API_KEY (staff updates, reads)",
  decisionsConsoleSessionKey:
    "The console's session-sealing key, 32 random bytes base64url (openssl rand 32 | basenc --base64url): DECISIONS_CONSOLE_SESSION_KEY",
};

/**
 * The variable each secret's ARN is given to its process as (workers/secrets.ts reads `<VARIABLE>_SECRET_ARN`). The
 * worker, the ingress and the decision service all read TEMPORAL_API_KEY, each from its own secret: a leaked key is
 * one service account's, and can be revoked alone.
 */
export const SECRET_ARN_VARIABLE: Record<SecretName, string> = {
  pspSecretKey: 'PSP_SECRET_KEY_SECRET_ARN',
  pspWebhookSecret: 'PSP_WEBHOOK_SECRET_SECRET_ARN',
  bankWebhookSecret: 'BANK_WEBHOOK_SECRET_SECRET_ARN',
  ingressSigningKey: 'INGRESS_SIGNING_KEY_SECRET_ARN',
  temporalApiKey: 'TEMPORAL_API_KEY_SECRET_ARN',
  ingressTemporalApiKey: 'TEMPORAL_API_KEY_SECRET_ARN',
  decisionsTemporalApiKey: 'TEMPORAL_API_KEY_SECRET_ARN',
  decisionsConsoleSessionKey: 'DECISIONS_CONSOLE_SESSION_KEY_SECRET_ARN',
};

/**
 * Adyen's secrets, only in a deployment with Adyen (settings.adyen): the API key (the workers pay and reconcile with
 * it, the ingress looks transfers up) and the webhook HMAC key (the ingress only).
 */
export const ADYEN_SECRET_NAMES = ['adyenApiKey', 'adyenWebhookHmacKey'] as const;
export type AdyenSecretName = (typeof ADYEN_SECRET_NAMES)[number];

export const ADYEN_SECRET_ARN_VARIABLE: Record<AdyenSecretName, string> = {
  adyenApiKey: 'ADYEN_API_KEY_SECRET_ARN',
  adyenWebhookHmacKey: 'ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN',
};

const ADYEN_SECRET_DESCRIPTIONS: Record<AdyenSecretName, string> = {
  adyenApiKey: 'Adyen Transfers/Balance Platform API key (X-API-Key): ADYEN_API_KEY',
  adyenWebhookHmacKey:
    'Adyen webhook HMAC key, hex (or {"current","previous"} during a rotation): ADYEN_WEBHOOK_HMAC_KEY',
};

/** A money ledger keyed like the local bootstrap (pk/sk); stateful, so retained and protected in every stage. */
function table(scope: Construct, id: string): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    // KMS with the AWS-owned-by-account key (aws/dynamodb): encrypted and audited, no key grants per caller.
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * The stateful side, the same resources `infra/local/bootstrap-aws.ts` creates on moto: ledger and audit tables (the
 * audit table also dedupes webhooks, so there is no separate dedupe table), the events topic, the reports bucket and
 * the SES sender; plus the secrets, the payload-codec key and the alarms topic.
 */
export class PayopsData extends Construct {
  readonly dataKey: kms.Key;
  readonly codecKey: kms.Key;
  readonly ledgerTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly accessLogsBucket: s3.Bucket;
  readonly reportsBucket: s3.Bucket;
  readonly eventsTopic: sns.Topic;
  readonly alarmsTopic: sns.Topic;
  readonly sender: ses.EmailIdentity;
  readonly secrets: Record<SecretName, secretsmanager.Secret>;
  /** Adyen's secrets, created or imported; absent in a deployment without Adyen. */
  readonly adyenSecrets?: Record<AdyenSecretName, secretsmanager.ISecret>;
  /** The Adyen secrets this stack created (the ones cdk-nag's rotation finding concerns). */
  readonly createdAdyenSecrets: secretsmanager.Secret[];

  constructor(scope: Construct, id: string, settings: Settings) {
    super(scope, id);
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `payops ${settings.stage}: reports bucket and SNS topics`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarms to the encrypted alarms topic, so it must use the key (key policies name '*').
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.codecKey = new kms.Key(this, 'PayloadCodecKey', {
      description: `payops ${settings.stage}: Temporal payload codec (encrypts workflow payloads end to end)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.ledgerTable = table(this, 'LedgerTable');
    // The ledger's sparse day index (`DAY#<effectiveDate>#<scope>` → posting ID), as `infra/local/bootstrap-aws.ts`
    // makes it on moto: reconciliation reads a day's postings from it, whole postings projected.
    this.ledgerTable.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.auditTable = table(this, 'AuditTable');

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reportsBucket = new s3.Bucket(this, 'ReportsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [
        {
          id: 'age-out',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) }],
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.eventsTopic = new sns.Topic(this, 'EventsTopic', { masterKey: this.dataKey, enforceSSL: true });
    this.alarmsTopic = new sns.Topic(this, 'AlarmsTopic', { masterKey: this.dataKey, enforceSSL: true });
    if (settings.alarmEmail) {
      this.alarmsTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    }

    this.sender = new ses.EmailIdentity(this, 'Sender', { identity: ses.Identity.email(settings.notifyFromEmail) });

    const secrets = {} as Record<SecretName, secretsmanager.Secret>;
    for (const name of SECRET_NAMES) {
      secrets[name] = new secretsmanager.Secret(this, `${name[0]!.toUpperCase()}${name.slice(1)}`, {
        description: `payops ${settings.stage}: ${SECRET_DESCRIPTIONS[name]}`,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.secrets = secrets;

    const created: secretsmanager.Secret[] = [];
    const adyen = settings.adyen;
    if (adyen) {
      const imported: Record<AdyenSecretName, string | undefined> = {
        adyenApiKey: adyen.apiKeySecretArn,
        adyenWebhookHmacKey: adyen.webhookHmacKeySecretArn,
      };
      const adyenSecrets = {} as Record<AdyenSecretName, secretsmanager.ISecret>;
      for (const name of ADYEN_SECRET_NAMES) {
        const id = `${name[0]!.toUpperCase()}${name.slice(1)}`;
        const arn = imported[name];
        if (arn) {
          adyenSecrets[name] = secretsmanager.Secret.fromSecretCompleteArn(this, id, arn);
          continue;
        }
        const secret = new secretsmanager.Secret(this, id, {
          description: `payops ${settings.stage}: ${ADYEN_SECRET_DESCRIPTIONS[name]}`,
          removalPolicy: RemovalPolicy.RETAIN,
          // Until an operator puts Adyen's key, the HMAC secret holds a random hex key nobody signs with: the ingress
          // starts (a non-hex value would stop it, and the PSP and bank webhooks with it) and refuses every Adyen
          // webhook. The API key's random value is refused by Adyen (401): calls retry, none succeeds.
          ...(name === 'adyenWebhookHmacKey'
            ? {
                generateSecretString: {
                  passwordLength: 64,
                  excludePunctuation: true,
                  excludeLowercase: true,
                  excludeCharacters: 'GHIJKLMNOPQRSTUVWXYZ',
                  requireEachIncludedType: false,
                },
              }
            : {}),
        });
        adyenSecrets[name] = secret;
        created.push(secret);
      }
      this.adyenSecrets = adyenSecrets;
    }
    this.createdAdyenSecrets = created;
  }
}
