import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '../lib/settings';
import { CONTEXT, synth, type Synthesised } from './support';

let dev: Synthesised;
let template: Template;
beforeAll(() => {
  dev = synth();
  template = dev.template;
});

const resources = (type: string) =>
  Object.entries(template.findResources(type)) as Array<[string, { Properties: Record<string, unknown> }]>;

const worker = () => resources('AWS::Lambda::Function').find(([id]) => id.includes('Worker'))!;

describe('data', () => {
  test('two tables (ledger, audit): PITR, deletion protection, KMS encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('the ledger table has the sparse day index gsi1 (whole postings projected) and the worker may query it', () => {
    const [ledgerId, ledger] = resources('AWS::DynamoDB::Table').find(([id]) => id.includes('Ledger'))!;
    expect(ledger.Properties['GlobalSecondaryIndexes']).toEqual([
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    const [auditId, audit] = resources('AWS::DynamoDB::Table').find(([id]) => id.includes('Audit'))!;
    expect(audit.Properties['GlobalSecondaryIndexes']).toBeUndefined();
    const [roleId] = resources('AWS::IAM::Role').find(([id]) => id.includes('WorkerRole'))!;
    const worker = JSON.stringify(
      resources('AWS::IAM::Policy').find(([, p]) => JSON.stringify(p).includes(roleId))![1],
    );
    expect(worker).toContain('/index/gsi1');
    expect(worker).toMatch(/dynamodb:Query/);
    expect(worker).toContain(ledgerId);
    expect(auditId).not.toBe(ledgerId);
  });

  test('reports bucket: SSE-KMS, public access blocked, SSL enforced, lifecycle, access logs', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'reports/' },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  test('events and alarms topics are KMS-encrypted and SSL-only; one SES identity from context', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourcePropertiesCountIs(
      'AWS::SNS::TopicPolicy',
      { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) } },
      2,
    );
    template.resourceCountIs('AWS::SES::EmailIdentity', 1);
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: CONTEXT.notifyFromEmail });
  });

  test("eight secrets (the ingress and the decision service have their own Temporal API keys; the console's session key), two rotating KMS keys (data, payload codec) and the decision service signing key", () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 8);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp("ingress's own service account"),
    });
    template.resourceCountIs('AWS::KMS::Key', 3);
    // The decision service's key is asymmetric (Ed25519), which KMS cannot rotate (nag.ts says how it is rotated).
    const symmetric = resources('AWS::KMS::Key').filter(([, k]) => k.Properties['KeySpec'] === undefined);
    expect(symmetric).toHaveLength(2);
    for (const [, k] of symmetric) expect(k.Properties['EnableKeyRotation']).toBe(true);
    template.hasResourceProperties('AWS::KMS::Key', { Description: Match.stringLikeRegexp('payload codec') });
  });
});

describe('functions', () => {
  test('all three run Node 24 on x86_64 (the Temporal core binary shipped), each with its own log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  test('worker: timeout, reserved concurrency and build ID from context, AWS mode env', () => {
    const [, fn] = worker();
    expect(fn.Properties).toMatchObject({
      Timeout: 300,
      ReservedConcurrentExecutions: 20,
      Environment: { Variables: expect.objectContaining({ PAYOPS_MODE: 'aws', WORKER_BUILD_ID: CONTEXT.buildId }) },
    });
  });

  test('worker: memory from context (1,024 MB by default), with heap limits and malloc arenas for it', () => {
    const [, fn] = worker();
    expect(fn.Properties['MemorySize']).toBe(1024);
    expect((fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps --max-old-space-size=307 --max-semi-space-size=8',
      MALLOC_ARENA_MAX: '2',
    });
  });

  test('worker: one retained version per build ID; async retries 0 on the function and on the version', () => {
    template.resourceCountIs('AWS::Lambda::Version', 1);
    template.hasResource('AWS::Lambda::Version', {
      Properties: { Description: `payops worker build ${CONTEXT.buildId}` },
      DeletionPolicy: 'Retain',
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { Qualifier: '$LATEST' });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      Qualifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('WorkerVersion'), 'Version'] },
    });
  });

  test('ingress: HTTPS function URL (auth NONE: webhooks are signed) and reserved concurrency', () => {
    // Two function URLs: the ingress's and the decision service's (below).
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('ingress'),
      ReservedConcurrentExecutions: 10,
    });
  });
});

describe('decision service', () => {
  const fn = () => resources('AWS::Lambda::Function').find(([id]) => id.includes('Decisions'))!;
  const policy = () => {
    const [roleId] = resources('AWS::IAM::Role').find(([id]) => id.includes('DecisionsRole'))!;
    return JSON.stringify(resources('AWS::IAM::Policy').find(([, p]) => JSON.stringify(p).includes(roleId))![1]);
  };
  const keyId = () => resources('AWS::KMS::Key').find(([id]) => id.includes('DecisionsSigningKey'))![0];

  test('a function behind a URL (auth NONE: every request carries the identity provider token), configured with no defaults left', () => {
    const [id, f] = fn();
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    expect((f.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      PAYOPS_MODE: 'aws',
      DECISIONS_OIDC_ISSUER: CONTEXT.decisionsOidcIssuer,
      DECISIONS_OIDC_AUDIENCE: CONTEXT.decisionsOidcAudience,
      DECISIONS_ISSUER: CONTEXT.decisionsIssuer,
      DECISIONS_KID: CONTEXT.decisionsKid,
      DECISIONS_KMS_KEY_ID: { 'Fn::GetAtt': [keyId(), 'Arn'] },
      TEMPORAL_API_KEY_SECRET_ARN: { Ref: expect.stringMatching(/DecisionsTemporalApiKey/) },
      DECISIONS_CONSOLE_SESSION_KEY_SECRET_ARN: { Ref: expect.stringMatching(/DecisionsConsoleSessionKey/) },
    });
    expect(policy()).toMatch(/DecisionsConsoleSessionKey/);
    template.hasOutput('DecisionsUrl', {});
  });

  test('its own Ed25519 KMS signing key, usable (kms:Sign) by the decision service alone', () => {
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' });
    expect(policy()).toContain('"kms:Sign"');
    const signers = resources('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes('kms:Sign'));
    expect(signers).toHaveLength(1);
  });

  test("its own Temporal credential secret (not the workers'), no ledger, SES, topic or webhook secrets; of the bucket reconciliation results and facts to read and Athena's results; of the audit table one write (a re-run's record)", () => {
    const p = policy();
    expect(p).toMatch(/DecisionsTemporalApiKey/);
    expect(p).not.toMatch(/"Ref":"DataTemporalApiKey|WebhookSecret|PspSecretKey/);
    const ledger = resources('AWS::DynamoDB::Table').find(([id]) => id.includes('Ledger'))![0];
    expect(p).not.toContain(ledger);
    expect(p).not.toMatch(
      /s3:(?!GetObject|PutObject|ListBucket|GetBucketLocation)|ses:|sns:|dynamodb:(?!GetItem|PutItem|Query)/,
    );
    // Writes to the bucket only where Athena puts a query's results.
    expect(p).toMatch(
      /\["s3:GetObject","s3:PutObject"\],"Effect":"Allow","Resource":\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["DataReportsBucket[0-9A-F]+","Arn"\]\},"\/athena-results\/\*"\]\]\}/,
    );
    expect(p.match(/s3:PutObject/g)).toHaveLength(1);
    // Reads: reconciliation results and the facts Athena scans (CDK merges them into one statement), nothing else.
    const reads = (
      JSON.parse(p) as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }
    ).Properties.PolicyDocument.Statement.filter((st) => st.Action === 's3:GetObject');
    expect(reads).toHaveLength(1);
    const prefixes = (reads[0]!.Resource as Array<{ 'Fn::Join': [string, [unknown, string]] }>).map(
      (r) => r['Fn::Join'][1][1],
    );
    expect(prefixes.sort()).toEqual(['/facts/*', '/recon/*']);
    for (const name of ['Worker', 'Ingress']) {
      const [roleId] = resources('AWS::IAM::Role').find(([id]) => id.includes(`${name}Role`))!;
      const other = JSON.stringify(
        resources('AWS::IAM::Policy').find(([, q]) => JSON.stringify(q).includes(roleId))![1],
      );
      expect(other).not.toMatch(/DecisionsTemporalApiKey|kms:Sign/);
    }
  });

  test('the reports through Athena: three query calls on its own workgroup, the Glue database and the two fact tables only; told their names', () => {
    const p = policy();
    const statements = (
      JSON.parse(p) as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }
    ).Properties.PolicyDocument.Statement;
    const of = (prefix: string) => statements.filter((st) => JSON.stringify(st.Action).includes(prefix));
    expect(of('athena:').map((st) => st.Action)).toEqual([
      ['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution'],
    ]);
    expect(JSON.stringify(of('athena:')[0]!.Resource)).toContain(':workgroup/payops-dev-reports');
    expect(of('glue:').map((st) => st.Action)).toEqual([['glue:GetDatabase', 'glue:GetTable']]);
    const glue = JSON.stringify(of('glue:')[0]!.Resource);
    for (const r of [
      ':catalog"',
      ':database/payops_dev_reports"',
      ':table/payops_dev_reports/compensation_facts"',
      ':table/payops_dev_reports/payout_sla_facts"',
    ])
      expect(glue).toContain(r);
    expect(glue).not.toContain('*');
    const [, f] = fn();
    expect((f.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      REPORTS_ATHENA_WORKGROUP: 'payops-dev-reports',
      REPORTS_GLUE_DATABASE: 'payops_dev_reports',
    });
  });

  test('synthesis fails naming each decision-service setting that is missing', () => {
    expect(() =>
      readSettings({
        tryGetContext: (k: string) => (k.startsWith('decisions') ? undefined : (CONTEXT as Record<string, string>)[k]),
      }),
    ).toThrow(/decisionsOidcIssuer[\s\S]*decisionsOidcAudience[\s\S]*decisionsIssuer[\s\S]*decisionsKid/);
  });
});

describe('Temporal invoke role', () => {
  test('trusts the Temporal principal with the external ID, and is a stack output', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([`:iam::${CONTEXT.temporalPrincipal}:root`])] } },
            Condition: { StringEquals: { 'sts:ExternalId': CONTEXT.temporalExternalId } },
          },
        ],
      },
    });
    template.hasOutput('TemporalInvokeRoleArn', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('TemporalInvokeRole'), 'Arn'] },
    });
  });

  test('may only invoke and get the worker function and its versions', () => {
    const [roleId] = resources('AWS::IAM::Role').find(([id]) => id.includes('TemporalInvokeRole'))!;
    const workerId = worker()[0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['lambda:GetFunction', 'lambda:InvokeFunction'],
            Resource: [
              { 'Fn::GetAtt': [workerId, 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [workerId, 'Arn'] }, ':*']] },
            ],
          },
        ],
      },
    });
  });
});

describe('least privilege', () => {
  const statements = () =>
    resources('AWS::IAM::Policy').flatMap(([id, r]) =>
      (r.Properties['PolicyDocument'] as { Statement: Array<Record<string, unknown>> }).Statement.map(
        (s): Record<string, unknown> & { id: string } => ({ ...s, id }),
      ),
    );
  const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  test('no IAM statement has a * action or a * resource', () => {
    // No exception is needed: every action is named, every resource is an ARN (object and version patterns are
    // scoped to their bucket/function). Key policies are resource policies where '*' means "this key" (see below).
    expect(statements().length).toBeGreaterThan(10);
    for (const s of statements()) {
      for (const action of list(s['Action'])) expect(`${s.id}: ${String(action)}`).not.toMatch(/\*/);
      for (const resource of list(s['Resource'])) expect(`${s.id}: ${JSON.stringify(resource)}`).not.toMatch(/: "\*"$/);
    }
  });

  test("key policies: '*' resources only (AWS requires it: it means the key itself), no '*' actions", () => {
    for (const [id, key] of resources('AWS::KMS::Key')) {
      const doc = key.Properties['KeyPolicy'] as { Statement: Array<Record<string, unknown>> };
      for (const s of doc.Statement) {
        expect(s['Resource']).toBe('*');
        for (const action of list(s['Action'])) expect(`${id}: ${String(action)}`).not.toBe(`${id}: *`);
      }
    }
  });

  test('each function gets only what it uses (ingress: no ledger, bucket, SES or PSP API key)', () => {
    const policyOf = (name: string) => {
      const [roleId] = resources('AWS::IAM::Role').find(([id]) => id.includes(`${name}Role`))!;
      return JSON.stringify(resources('AWS::IAM::Policy').find(([, p]) => JSON.stringify(p).includes(roleId))![1]);
    };
    const ledger = resources('AWS::DynamoDB::Table').find(([id]) => id.includes('Ledger'))![0];
    const ingress = policyOf('Ingress');
    expect(ingress).not.toContain(ledger);
    expect(ingress).not.toMatch(/s3:|ses:/);
    expect(ingress).not.toContain('PspSecretKey');
    expect(ingress).toContain('PspWebhookSecret');
    const worker = policyOf('Worker');
    expect(worker).toContain(ledger);
    expect(worker).not.toContain('WebhookSecret');
    expect(worker).toMatch(/ses:SendEmail/);
  });

  test('the ingress has its own Temporal credential and may only seal payloads, never open them', () => {
    const secretId = (name: string) => resources('AWS::SecretsManager::Secret').find(([id]) => id.includes(name))![0];
    const env = (fn: string) =>
      (
        resources('AWS::Lambda::Function').find(([id]) => id.includes(fn))![1].Properties['Environment'] as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
    expect(env('Ingress')['TEMPORAL_API_KEY_SECRET_ARN']).toEqual({ Ref: secretId('IngressTemporalApiKey') });
    expect(env('Worker')['TEMPORAL_API_KEY_SECRET_ARN']).toEqual({ Ref: secretId('DataTemporalApiKey') });

    const codecKey = resources('AWS::KMS::Key').find(([id]) => id.includes('PayloadCodecKey'))![0];
    const codecActions = (role: string) => {
      const [roleId] = resources('AWS::IAM::Role').find(([id]) => id.includes(`${role}Role`))!;
      const [, policy] = resources('AWS::IAM::Policy').find(([, p]) => JSON.stringify(p).includes(roleId))!;
      const statements = (policy.Properties['PolicyDocument'] as { Statement: Array<Record<string, unknown>> })
        .Statement;
      return statements
        .filter((s) => JSON.stringify(s['Resource']).includes(codecKey))
        .flatMap((s) => list(s['Action']))
        .sort();
    };
    expect(codecActions('Ingress')).toEqual(['kms:GenerateDataKey']);
    expect(codecActions('Worker')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(codecActions('Decisions')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    const ingressSecrets = JSON.stringify(
      resources('AWS::IAM::Policy').find(([, p]) => JSON.stringify(p).includes(secretId('IngressTemporalApiKey'))),
    );
    expect(ingressSecrets).not.toContain(secretId('DataTemporalApiKey'));
  });
});

describe('alarms', () => {
  test('worker errors, throttles, duration near the timeout; ingress errors, throttles, 5xx: to the alarms topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'payops',
      MetricName: 'payops.codec.decodeFailures',
      Dimensions: [{ Name: 'Stage', Value: 'dev' }],
      Threshold: 1,
    });
    for (const metric of ['Errors', 'Throttles', 'Url5xxCount']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: 'AWS/Lambda' });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Threshold: 298_000,
    });
    const [topicId] = resources('AWS::SNS::Topic').find(([id]) => id.includes('Alarms'))!;
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  test('no finding left unacknowledged (synthesis would have thrown), each acknowledgement with its reason', () => {
    const nag = dev.report.pluginReports.filter((r) => r.pluginName === 'AwsSolutions');
    expect(nag.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
    expect(dev.stack.acceptedFindings.map((f) => f.id).sort()).toEqual([
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<DataReportsBucket[0-9A-F]+\.Arn>\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<DataReportsBucket[0-9A-F]+\.Arn>\/athena-results\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<DataReportsBucket[0-9A-F]+\.Arn>\/facts\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<DataReportsBucket[0-9A-F]+\.Arn>\/recon\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<FunctionsWorker[0-9A-F]+\.Arn>:\*\]$/),
      'AwsSolutions-KMS5',
      'AwsSolutions-S1',
      ...Array(8).fill('AwsSolutions-SMG4'),
    ]);
    for (const f of dev.stack.acceptedFindings) expect(f.reason.length).toBeGreaterThan(40);
  });

  test('the check bites: an unacknowledged finding fails synthesis', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'payops-nag-'));
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false });
      new s3.Bucket(new Stack(app, 'Bare'), 'Bucket');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('stages and context', () => {
  test('prod keeps logs a year and retains them; stack per stage', () => {
    const prod = synth({ stage: 'prod' });
    expect(prod.stack.stackName).toBe('payops-prod');
    prod.template.allResources('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  test('missing or invalid context fails with every key named; env stays unset without account/region', () => {
    const node = (ctx: Record<string, string>) => ({ tryGetContext: (k: string) => ctx[k] });
    expect(() => readSettings(node({ stage: 'qa' }))).toThrow(
      /stage: must be dev or prod[\s\S]*notifyFromEmail: required[\s\S]*temporalPrincipal: required[\s\S]*temporalExternalId: required[\s\S]*buildId: required/,
    );
    expect(() => readSettings(node({ ...CONTEXT, temporalPrincipal: 'temporal' }))).toThrow(/temporalPrincipal/);
    expect(dev.stack.environment).toBe('aws://unknown-account/unknown-region');
  });
});
