import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { REPO_ROOT } from '../../infra/local/paths';
import { idSchema, parseCli, runCli, StepFailed } from './cli';
import { releaseRecordPath, releaseRecordSchema, writeReleaseRecord } from './release-record';

export const USAGE = `npm run deploy -- [options]

Builds the Lambda artefacts (npm run build:lambda) and deploys the CDK app in infra/cdk (stack payops-<stage>),
then prints the outputs the Temporal side needs and records them in dist/release-<stage>.json.
  --stage <dev|prod>            default dev
  --build-id <id>               the worker build ID (default: WORKER_BUILD_ID, else the git commit, 12 hex)
  --context <key=value>         any other CDK context (repeatable): notifyFromEmail, temporalPrincipal,
                                temporalExternalId, temporalAddress, temporalNamespace, alarmEmail, ... (see README);
                                infra/cdk/cdk.context.json (uncommitted) is read as well
  --skip-build                  deploy the artefacts already in dist/lambda/
  --approve                     do not stop for IAM/security-group changes (cdk --require-approval never)
  --dry-run                     cdk synth only: no AWS credentials needed, nothing deployed
  -h, --help                    this text`;

const CDK_DIR = join(REPO_ROOT, 'infra', 'cdk');
/** The zips npm run build:lambda produces (CloudFormation uploads them as they are). */
export const WORKER_ZIP = join(REPO_ROOT, 'dist', 'lambda', 'worker.zip');
export const INGRESS_ZIP = join(REPO_ROOT, 'dist', 'lambda', 'ingress.zip');
/** The outputs the release needs next (CfnOutputs of infra/cdk/lib/functions.ts). */
const OUTPUTS = ['WorkerVersionArn', 'TemporalInvokeRoleArn', 'IngressUrl'] as const;

const schema = z.object({
  stage: z.enum(['dev', 'prod']).default('dev'),
  buildId: idSchema.optional(),
  context: z.array(z.string().regex(/^[A-Za-z][\w.:-]*=.*$/, 'must be key=value')).default([]),
  skipBuild: z.boolean().default(false),
  approve: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});
const options = {
  stage: { type: 'string' },
  'build-id': { type: 'string' },
  context: { type: 'string', multiple: true },
  'skip-build': { type: 'boolean' },
  approve: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

/** Runs a command with inherited output; rejects with a StepFailed naming it when it exits non-zero. */
function step(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  console.log(`$ ${[command, ...args].join(' ')}`);
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('error', (err) => fail(new StepFailed(`${command}: ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? done() : fail(new StepFailed(`${command} ${args[0]} exited ${code}`))));
  });
}

/** The default build ID: the checked-out commit (a build ID names exactly one bundle). */
async function gitBuildId(): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

/** Fails with a clear message unless the default AWS credential chain yields credentials (nothing else is called). */
async function requireAwsCredentials(): Promise<void> {
  try {
    await new SNSClient({}).config.credentials();
  } catch (err) {
    throw new StepFailed(
      `no AWS credentials (${err instanceof Error ? err.message : String(err)}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/` +
        'AWS_SECRET_ACCESS_KEY (and AWS_REGION), or use --dry-run to synthesise without deploying',
    );
  }
}

/** The context a key gets from --context or infra/cdk/cdk.context.json (how the release record finds the external ID). */
function contextValue(flags: string[], key: string): string | undefined {
  const given = flags.find((c) => c.startsWith(`${key}=`));
  if (given) return given.slice(key.length + 1);
  const file = join(CDK_DIR, 'cdk.context.json');
  if (!existsSync(file)) return undefined;
  const value = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[key];
  return value === undefined ? undefined : String(value);
}

/** `npm run deploy`: resolves to the exit code (usage errors throw UsageError, failed steps StepFailed). */
export async function deploy(argv: string[]): Promise<number> {
  const { values, help } = parseCli(argv, options, schema);
  if (help) {
    console.log(USAGE);
    return 0;
  }
  const buildId = values.buildId ?? process.env['WORKER_BUILD_ID'] ?? (await gitBuildId());
  const stack = `payops-${values.stage}`;
  if (!values.dryRun) await requireAwsCredentials();
  if (!values.skipBuild) await step('npm', ['run', 'build:lambda'], REPO_ROOT);
  const assets = existsSync(WORKER_ZIP) && existsSync(INGRESS_ZIP);
  if (!assets && !values.dryRun) throw new StepFailed(`${WORKER_ZIP} or ${INGRESS_ZIP} missing: npm run build:lambda`);
  if (!assets) console.log('dry run without built artefacts: the stack synthesises with the placeholder code');
  const context = [
    `stage=${values.stage}`,
    `buildId=${buildId}`,
    ...(assets ? [`workerAsset=${WORKER_ZIP}`, `ingressAsset=${INGRESS_ZIP}`] : []),
    ...values.context,
  ].flatMap((c) => ['-c', c]);
  const cdk = join(CDK_DIR, 'node_modules', '.bin', 'cdk');
  if (values.dryRun) {
    const out = mkdtempSync(join(tmpdir(), 'payops-synth-'));
    await step(cdk, ['synth', stack, '--quiet', '--no-notices', '-o', out, ...context], CDK_DIR);
    console.log(`dry run: synthesised ${stack} (build ${buildId}) into ${join(out, `${stack}.template.json`)}`);
    console.log('nothing deployed, no AWS call made');
    return 0;
  }
  const outputsFile = resolve(REPO_ROOT, 'dist', `cdk-outputs-${values.stage}.json`);
  const approval = values.approve ? 'never' : 'broadening';
  await step(
    cdk,
    ['deploy', stack, '--require-approval', approval, '--no-notices', '--outputs-file', outputsFile, ...context],
    CDK_DIR,
  );
  const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[stack];
  const record = releaseRecordSchema.parse({
    stage: values.stage,
    stackName: stack,
    buildId,
    temporalExternalId: contextValue(values.context, 'temporalExternalId'),
    outputs,
  });
  const recordPath = resolve(REPO_ROOT, releaseRecordPath(values.stage));
  writeReleaseRecord(recordPath, record);
  for (const key of OUTPUTS) console.log(`${key} = ${record.outputs[key]}`);
  console.log(
    `recorded in ${recordPath}; next: npm run release -- create-version --from ${releaseRecordPath(values.stage)}`,
  );
  return 0;
}

if (require.main === module) runCli(deploy, USAGE);
