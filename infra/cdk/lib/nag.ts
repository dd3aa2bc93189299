import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PayopsData } from './data';
import type { PayopsFunctions } from './functions';

/** One acknowledged cdk-nag (AwsSolutions) finding: where, which, and why it is acceptable. */
export interface AcceptedFinding {
  scope: IConstruct;
  id: string;
  reason: string;
}

/**
 * Every cdk-nag finding we accept, each on the one construct it concerns, with its reason. Synthesis (and the tests)
 * fail on any finding not listed here, so a new one is either fixed or argued for in this file.
 */
export function acceptedFindings(stack: IConstruct, data: PayopsData, fns: PayopsFunctions): AcceptedFinding[] {
  const secrets = [...Object.values(data.secrets), ...data.createdAdyenSecrets].map((scope) => ({
    scope,
    id: 'AwsSolutions-SMG4',
    reason:
      'Issued by third parties (PSP API keys, PSP and bank webhook signing secrets, Temporal Cloud API keys): rotated ' +
      'at the issuer, then the new value is put here; a rotation Lambda cannot mint them. The console session key ' +
      'is rotated by putting a new random value (every console session then ends, by design).',
  }));
  // IAM5 findings name the resource by the logical ID of what the ARN refers to, so the acknowledgement does too.
  const arnOf = (c: IConstruct) => `${Stack.of(stack).getLogicalId(c.node.defaultChild as CfnElement)}.Arn`;
  return [
    ...secrets,
    {
      scope: fns.decisionsKey,
      id: 'AwsSolutions-KMS5',
      reason:
        'An asymmetric (Ed25519) signing key: KMS cannot rotate asymmetric keys. It is rotated by creating a new key ' +
        'and adding its public half to the workflows trust set (trust.ts, trustedFrom) before the service switches.',
    },
    {
      scope: data.accessLogsBucket,
      id: 'AwsSolutions-S1',
      reason: 'The server access log destination of the reports bucket; logging it into itself would loop.',
    },
    {
      scope: fns.worker.role!.node.findChild('DefaultPolicy'),
      id: `AwsSolutions-IAM5[Resource::<${arnOf(data.reportsBucket)}>/*]`,
      reason:
        'S3 object permissions need an object ARN pattern: report keys are created at run time; the pattern is ' +
        'confined to the one reports bucket and to s3:GetObject/s3:PutObject.',
    },
    {
      scope: fns.decisions.role!.node.findChild('DefaultPolicy'),
      id: `AwsSolutions-IAM5[Resource::<${arnOf(data.reportsBucket)}>/recon/*]`,
      reason:
        "Reconciliation days' results are keyed by account and date at run time; the decision service only reads " +
        '(s3:GetObject) under recon/ of the one reports bucket, for `recon day` and the rule preview.',
    },
    {
      scope: fns.decisions.role!.node.findChild('DefaultPolicy'),
      id: `AwsSolutions-IAM5[Resource::<${arnOf(data.reportsBucket)}>/facts/*]`,
      reason:
        "Athena reads the report facts with the caller's rights; they are keyed by kind, day and fact ID at run " +
        'time. The decision service only reads (s3:GetObject) under facts/ of the one reports bucket.',
    },
    {
      scope: fns.decisions.role!.node.findChild('DefaultPolicy'),
      id: `AwsSolutions-IAM5[Resource::<${arnOf(data.reportsBucket)}>/athena-results/*]`,
      reason:
        "Athena writes a query's results under the workgroup's output location with the caller's rights, keyed by " +
        'query execution ID at run time; confined to athena-results/ of the one reports bucket (s3:GetObject/PutObject).',
    },
    {
      scope: fns.invokeRole.node.findChild('DefaultPolicy'),
      id: `AwsSolutions-IAM5[Resource::<${arnOf(fns.worker)}>:*]`,
      reason:
        'Temporal invokes published versions of the worker (one per build ID, older ones kept for pinned runs), ' +
        'whose ARNs are <function ARN>:<version>; the pattern covers only this function.',
    },
  ];
}

/** Records the accepted findings with CDK's native acknowledgement (cdk-nag 3 has no NagSuppressions). */
export function acknowledgeAcceptedFindings(findings: AcceptedFinding[]): void {
  for (const { scope, id, reason } of findings) Validations.of(scope).acknowledge({ id, reason });
}
