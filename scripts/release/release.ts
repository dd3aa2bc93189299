import { z } from 'zod';
import { connectClient, type ConnectedClient } from '../../client/connect';
import {
  connectionOptions,
  flagName,
  idSchema,
  parseCli,
  quietSdkLogs,
  runCli,
  StepFailed,
  temporalEnv,
  UsageError,
} from './cli';
import {
  createLambdaVersion,
  describeDeployment,
  ensureDeployment,
  formatDeployment,
  previousBuildId,
  setCurrent,
} from './deployment';
import { readReleaseRecord } from './release-record';
import { replayGate } from './replay-gate';

export const USAGE = `npm run release -- <command> [options]

The Temporal side of a release (after npm run deploy). Every command takes --address, --namespace and
--deployment-name (default: WORKER_DEPLOYMENT_NAME or payops); the rest of the connection comes from TEMPORAL_*
(TEMPORAL_API_KEY for Temporal Cloud) or temporal.toml.

  create-version  register the build's Lambda with the worker deployment (Temporal invokes it through the role)
      --from <dist/release-<stage>.json>   what npm run deploy recorded (build ID, ARNs, external ID), or:
      --build-id <id> --function-arn <WorkerVersionArn> --role-arn <TemporalInvokeRoleArn> --external-id <id>
  gate            replay histories against the new bundle (npm run replay:gate -- --help for its options)
  promote         make a build current:   --build-id <id> [--allow-no-pollers]
  rollback        re-point current to the build that was current before it (or --to <id>) [--allow-no-pollers]
  status          the deployment's current and ramping builds and its versions

Exit codes: 0 done, 1 the step failed (message says why), 2 bad arguments.`;

const deploymentName = idSchema.default(process.env['WORKER_DEPLOYMENT_NAME'] ?? 'payops');
const common = { ...connectionOptions, 'deployment-name': { type: 'string' } } as const;
const baseSchema = {
  address: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  deploymentName,
};

const functionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+:\d+$/, 'must be a published version ARN (…:N)');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');
const externalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 characters of [\\w+=,.@:/-]');

async function withClient<T>(values: { address?: string; namespace?: string }, fn: (c: ConnectedClient) => Promise<T>) {
  const connected = await connectClient({ env: temporalEnv(values) });
  try {
    return await fn(connected);
  } finally {
    await connected.close();
  }
}

async function createVersion(argv: string[]): Promise<number> {
  const options = {
    ...common,
    from: { type: 'string' },
    'build-id': { type: 'string' },
    'function-arn': { type: 'string' },
    'role-arn': { type: 'string' },
    'external-id': { type: 'string' },
  } as const;
  const loose = z.object({
    ...baseSchema,
    from: z.string().optional(),
    buildId: idSchema.optional(),
    functionArn: functionArn.optional(),
    roleArn: roleArn.optional(),
    externalId: externalId.optional(),
  });
  const { values, help } = parseCli(argv, options, loose);
  if (help) return usage();
  // Flags override the record, so a record from npm run deploy can be corrected without editing it.
  const record = values.from ? readReleaseRecord(values.from) : undefined;
  const merged = {
    buildId: values.buildId ?? record?.buildId,
    functionArn: values.functionArn ?? record?.outputs.WorkerVersionArn,
    roleArn: values.roleArn ?? record?.outputs.TemporalInvokeRoleArn,
    externalId: values.externalId ?? record?.temporalExternalId,
  };
  const strict = z.object({ buildId: idSchema, functionArn, roleArn, externalId }).safeParse(merged);
  if (!strict.success) {
    const issue = strict.error.issues[0];
    const key = issue?.path[0] as keyof typeof merged | undefined;
    throw new UsageError(flagName(key), key && merged[key] ? (issue?.message ?? 'invalid') : 'required');
  }
  const version = { deploymentName: values.deploymentName, ...strict.data };
  await withClient(values, async ({ client }) => {
    if (await ensureDeployment(client, version.deploymentName)) {
      console.log(`created worker deployment ${version.deploymentName}`);
    }
  });
  const out = await createLambdaVersion(version, temporalEnv(values));
  console.log(out);
  console.log(
    `registered ${version.deploymentName}/${version.buildId}: Temporal invokes ${version.functionArn} ` +
      `as ${version.roleArn} (external ID checked by the server). Next: npm run release -- gate, then promote.`,
  );
  return 0;
}

async function promote(argv: string[]): Promise<number> {
  const options = { ...common, 'build-id': { type: 'string' }, 'allow-no-pollers': { type: 'boolean' } } as const;
  const schema = z.object({ ...baseSchema, buildId: idSchema, allowNoPollers: z.boolean().default(false) });
  const { values, help } = parseCli(argv, options, schema);
  if (help) return usage();
  return withClient(values, async ({ client }) => {
    // The routing as described before the change: what this step replaces, printed so a rollback target is known.
    const before = (await describeDeployment(client, values.deploymentName))?.currentBuildId;
    await setCurrentOrFail(client, values.deploymentName, values.buildId, values.allowNoPollers);
    console.log(`${values.deploymentName}: current ${before ?? '(none)'} -> ${values.buildId}`);
    return 0;
  });
}

async function rollback(argv: string[]): Promise<number> {
  const options = { ...common, to: { type: 'string' }, 'allow-no-pollers': { type: 'boolean' } } as const;
  const schema = z.object({ ...baseSchema, to: idSchema.optional(), allowNoPollers: z.boolean().default(false) });
  const { values, help } = parseCli(argv, options, schema);
  if (help) return usage();
  return withClient(values, async ({ client }) => {
    const view = await describeDeployment(client, values.deploymentName);
    if (!view) throw new StepFailed(`no worker deployment ${values.deploymentName} in this namespace`);
    const target = values.to ?? previousBuildId(view);
    if (!target) throw new StepFailed(`${values.deploymentName}: no earlier current version to roll back to (--to)`);
    if (target === view.currentBuildId) throw new StepFailed(`${target} is already current`);
    await setCurrentOrFail(client, values.deploymentName, target, values.allowNoPollers);
    console.log(`${values.deploymentName}: rolled back, current ${view.currentBuildId ?? '(none)'} -> ${target}`);
    return 0;
  });
}

async function status(argv: string[]): Promise<number> {
  const { values, help } = parseCli(argv, common, z.object(baseSchema));
  if (help) return usage();
  return withClient(values, async ({ client }) => {
    const view = await describeDeployment(client, values.deploymentName);
    if (!view) throw new StepFailed(`no worker deployment ${values.deploymentName} in this namespace`);
    console.log(formatDeployment(view));
    return 0;
  });
}

async function setCurrentOrFail(
  client: ConnectedClient['client'],
  name: string,
  buildId: string,
  allowNoPollers: boolean,
): Promise<void> {
  try {
    await setCurrent(client, name, buildId, allowNoPollers);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A Lambda version has no pollers until Temporal invokes it, so the server's refusal needs this flag.
    const hint =
      !allowNoPollers && /poller|not found/i.test(message) ? ' (for a Lambda version: --allow-no-pollers)' : '';
    throw new StepFailed(`set current ${name}/${buildId}: ${message}${hint}`);
  }
}

function usage(): number {
  console.log(USAGE);
  return 0;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  'create-version': createVersion,
  gate: async (argv) => (await replayGate(argv)).code,
  promote,
  rollback,
  status,
};

/** `npm run release -- <command> …`: resolves to the exit code; throws UsageError for bad arguments. */
export async function release(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') return usage();
  if (!command) throw new UsageError('command', 'required');
  const fn = COMMANDS[command];
  if (!fn) throw new UsageError('command', `unknown command ${JSON.stringify(command)}`);
  return fn(rest);
}

if (require.main === module) {
  quietSdkLogs();
  runCli(release, USAGE);
}
