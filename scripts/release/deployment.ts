import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bin } from '../../infra/local/paths';
import { StepFailed } from './cli';

const run = promisify(execFile);
const Status = temporal.api.enums.v1.WorkerDeploymentVersionStatus;
const IDENTITY = 'payops-release';

/** What `create-version` registers: the Lambda Temporal invokes for this build, and how it may assume the role. */
export interface LambdaVersion {
  deploymentName: string;
  buildId: string;
  /** The published (qualified) function version ARN, the stack output `WorkerVersionArn`. */
  functionArn: string;
  /** The stack output `TemporalInvokeRoleArn`. */
  roleArn: string;
  externalId: string;
}

/** One version of a deployment as `status` prints it. */
export interface VersionView {
  buildId: string;
  status: string;
  createTime?: Date;
  lastCurrentTime?: Date;
  computeConfig: boolean;
}

/** A deployment's routing and versions. */
export interface DeploymentView {
  name: string;
  currentBuildId?: string;
  rampingBuildId?: string;
  rampingPercentage: number;
  versions: VersionView[];
}

/** gRPC status codes the release steps treat as answers, not failures (grpc-js is not a direct dependency). */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

function grpcCode(err: unknown): number | undefined {
  return isGrpcServiceError(err) ? err.code : undefined;
}

function date(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (!ts?.seconds) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

/** The deployment's routing and versions, or undefined when the namespace has no deployment of that name. */
export async function describeDeployment(client: Client, name: string): Promise<DeploymentView | undefined> {
  try {
    const res = await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName: name,
    });
    const info = res.workerDeploymentInfo;
    const routing = info?.routingConfig;
    return {
      name,
      currentBuildId: routing?.currentDeploymentVersion?.buildId || undefined,
      rampingBuildId: routing?.rampingDeploymentVersion?.buildId || undefined,
      rampingPercentage: routing?.rampingVersionPercentage ?? 0,
      versions: (info?.versionSummaries ?? []).map((v) => ({
        buildId: v.deploymentVersion?.buildId ?? '',
        status: (Status[v.status ?? 0] ?? 'UNSPECIFIED').replace('WORKER_DEPLOYMENT_VERSION_STATUS_', ''),
        createTime: date(v.createTime),
        lastCurrentTime: date(v.lastCurrentTime) ?? date(v.currentSinceTime),
        computeConfig: Object.keys(v.computeConfig?.scalingGroups ?? {}).length > 0,
      })),
    };
  } catch (err) {
    if (grpcCode(err) === NOT_FOUND) return undefined;
    throw err;
  }
}

/** Creates the deployment unless it exists (a version with a compute config needs it first). Returns whether it did. */
export async function ensureDeployment(client: Client, name: string): Promise<boolean> {
  if (await describeDeployment(client, name)) return false;
  try {
    await client.workflowService.createWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName: name,
      identity: IDENTITY,
    });
    return true;
  } catch (err) {
    if (grpcCode(err) === ALREADY_EXISTS) return false;
    throw err;
  }
}

/**
 * Registers the Lambda-backed version through the Temporal CLI (≥ 1.8.2): it owns the AWS Lambda compute provider's
 * encoding, which the SDK does not expose. The server checks the handshake before accepting: it assumes the role
 * with the external ID, reads the function, and verifies the role refuses an assume without the external ID.
 */
export async function createLambdaVersion(v: LambdaVersion, env: Record<string, string | undefined>): Promise<string> {
  const args = [
    ...['worker', 'deployment', 'create-version', '--deployment-name', v.deploymentName, '--build-id', v.buildId],
    ...['--aws-lambda-function-arn', v.functionArn, '--aws-lambda-assume-role-arn', v.roleArn],
    ...['--aws-lambda-assume-role-external-id', v.externalId],
  ];
  const cli = env['TEMPORAL_CLI_PATH'] ?? bin('temporal');
  try {
    const { stdout } = await run(cli, args, { env: env as NodeJS.ProcessEnv, timeout: 120_000 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: unknown };
    if (e.code === 'ENOENT') throw new StepFailed(`the Temporal CLI is not at ${cli}: set TEMPORAL_CLI_PATH`);
    throw new StepFailed(`create-version ${v.deploymentName}/${v.buildId}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Makes the build current (the server's answer about the previous version is not used: describe before instead). */
export async function setCurrent(
  client: Client,
  deploymentName: string,
  buildId: string,
  allowNoPollers: boolean,
): Promise<void> {
  await client.workflowService.setWorkerDeploymentCurrentVersion({
    namespace: client.options.namespace,
    deploymentName,
    buildId,
    allowNoPollers,
    identity: IDENTITY,
  });
}

/**
 * The build to roll back to: the most recently current version other than the current one (by the server's
 * last-current time), or undefined when no other version was ever current.
 */
export function previousBuildId(view: DeploymentView): string | undefined {
  return view.versions
    .filter((v) => v.buildId !== view.currentBuildId && v.lastCurrentTime)
    .sort((a, b) => (b.lastCurrentTime?.getTime() ?? 0) - (a.lastCurrentTime?.getTime() ?? 0))[0]?.buildId;
}

/** The deployment as text: routing first, then one line per version. */
export function formatDeployment(view: DeploymentView): string {
  const ramp = view.rampingBuildId ? `, ramping ${view.rampingBuildId} at ${view.rampingPercentage}%` : '';
  const lines = [`deployment ${view.name}: current ${view.currentBuildId ?? '(none)'}${ramp}`];
  for (const v of view.versions) {
    const when = v.lastCurrentTime ? `, last current ${v.lastCurrentTime.toISOString()}` : '';
    lines.push(`  ${v.buildId}: ${v.status}${v.computeConfig ? ', Lambda compute config' : ''}${when}`);
  }
  return lines.join('\n');
}
