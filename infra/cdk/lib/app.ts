import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PayopsStack } from './payops-stack';
import { readSettings } from './settings';

/** Feature flags set here rather than in cdk.json, so `cdk synth` and the in-process tests build the same app. */
const FEATURE_FLAGS = {
  '@aws-cdk/core:checkSecretUsage': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  // Access logs delivered through a bucket policy, not the legacy ACL (the buckets enforce bucket-owner ownership).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

/** Builds the app (the `cdk` entry point and the tests share it): one stack per stage, AwsSolutions checks on. */
export function buildApp(props: AppProps = {}): { app: App; stack: PayopsStack } {
  const app = new App(props);
  for (const [key, value] of Object.entries(FEATURE_FLAGS)) app.node.setContext(key, value);
  const settings = readSettings(app.node);
  const env = settings.account && settings.region ? { account: settings.account, region: settings.region } : undefined;
  const stack = new PayopsStack(app, `payops-${settings.stage}`, settings, { env });
  // cdk-nag 3 is a policy-validation plugin: an unacknowledged finding fails synthesis (CLI and in-process alike).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
