import AdmZip from 'adm-zip';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { connectClient } from '../../client/connect';
import { dataConverterFromEnv } from '../../codec/settings';
import { buildWorkflowBundle } from '../../workers/build-bundle';
import { workflowsPath } from '../../workers/bundle-options';
import { LAMBDA_OUT_DIR } from '../../workers/package-lambda';
import { bundleFileTrustEnvironment } from '../../workers/bundle-trust';
import * as registry from '../../workflows';
import { connectionOptions, parseCli, quietSdkLogs, runCli, temporalEnv, UsageError } from './cli';
import { downloadRunningHistories, readRecordedHistory, recordedHistoryFiles } from './histories';
import { formatReport, mergeReports, replayAgainstBundle, type HistorySource, type ReplayReport } from './replay';

/** What `npm run build:lambda` writes: the worker zip carrying the AWS workflow bundle (staged in `worker/` beside). */
export const DEFAULT_BUNDLE = `${LAMBDA_OUT_DIR}/worker.zip`;

export const USAGE = `npm run replay:gate -- [options]

Replays workflow histories against a workflow bundle; exits 1 if any is not deterministic.
  --bundle <path>       workflow bundle (.js), the worker zip holding workflow-bundle.js, or the folder build:lambda
                        staged it in (dist/lambda/worker/); default: ${DEFAULT_BUNDLE}, what npm run build:lambda writes
  --recorded-bundle <p> bundle for the recorded histories in test/replay/histories/ (default: built now from this
                        checkout for the local trust set they were recorded under; the AWS bundle refuses their tokens)
  --skip-recorded       do not replay the recorded histories
  --address <host:port> download running workflows' histories from this cluster (or TEMPORAL_ADDRESS / temporal.toml)
  --namespace <ns>      ... from this namespace (or TEMPORAL_NAMESPACE); either flag turns downloading on
  --download            download with the TEMPORAL_* / temporal.toml settings as they are
  --limit <n>           at most n running workflows per workflow type (default 20)
  --query <filter>      extra visibility filter, ANDed with the type and ExecutionStatus = 'Running'
  --type <name>         only this workflow type, recorded and downloaded (repeatable; default: every type)
  -h, --help            this text`;

const schema = z.object({
  bundle: z.string().min(1).default(DEFAULT_BUNDLE),
  recordedBundle: z.string().min(1).optional(),
  skipRecorded: z.boolean().default(false),
  address: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  download: z.boolean().default(false),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(10_000, 'must be at most 10000'))
    .default(20),
  query: z.string().min(1).optional(),
  type: z.array(z.string().min(1)).optional(),
});

const options = {
  ...connectionOptions,
  bundle: { type: 'string' },
  'recorded-bundle': { type: 'string' },
  'skip-recorded': { type: 'boolean' },
  download: { type: 'boolean' },
  limit: { type: 'string' },
  query: { type: 'string' },
  type: { type: 'string', multiple: true },
} as const;

/** The bundle file to replay on: a .js as given, workflow-bundle.js in a folder, or taken out of a worker zip. */
export function resolveBundle(path: string, flag = '--bundle'): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(flag, `${full} does not exist (run npm run build:lambda first)`);
  if (statSync(full).isDirectory()) {
    const inside = join(full, 'workflow-bundle.js');
    if (!existsSync(inside)) throw new UsageError(flag, `${full} holds no workflow-bundle.js`);
    return inside;
  }
  if (!full.endsWith('.zip')) return full;
  const entry = new AdmZip(full).getEntries().find((e) => e.entryName.endsWith('workflow-bundle.js'));
  if (!entry) throw new UsageError(flag, `${full} holds no workflow-bundle.js`);
  const out = join(mkdtempSync(join(tmpdir(), 'payops-gate-')), 'workflow-bundle.js');
  writeFileSync(out, entry.getData());
  return out;
}

/**
 * The namespace's histories replay on the artefact, whose trust set must be PAYOPS_MODE's: an aws namespace's
 * decisions were verified with the aws keys, so replaying them on a local bundle would check the wrong build.
 */
export function checkArtefactTrust(bundle: string, mode: string): void {
  const built = bundleFileTrustEnvironment(bundle);
  if (!built)
    throw new UsageError('--bundle', `${bundle} carries no trust environment (npm run build:lambda builds one)`);
  if (built !== mode) {
    throw new UsageError(
      '--bundle',
      `built for the ${built} trust environment but PAYOPS_MODE=${mode}; replay the artefact of that ` +
        'environment (npm run build:lambda builds the aws one)',
    );
  }
}

/**
 * The bundle the recorded histories replay on: as given, or this checkout's workflows bundled for the local trust
 * set. The recorded histories carry tokens of the local identity provider, which an AWS bundle rightly refuses, so
 * replaying them there fails for trust, not for code; they check the code, the namespace's histories the artefact.
 */
async function recordedBundle(given: string | undefined): Promise<string> {
  if (given) return resolveBundle(given, '--recorded-bundle');
  const out = join(mkdtempSync(join(tmpdir(), 'payops-gate-')), 'workflow-bundle.js');
  console.log("bundling this checkout's workflows (local trust set) for the recorded histories");
  return buildWorkflowBundle(out, 'local', workflowsPath);
}

/** Collects the histories, replays them, prints the report; resolves to the report (exit code: failures ? 1 : 0). */
export async function replayGate(argv: string[]): Promise<{ code: number; report?: ReplayReport }> {
  const { values, help } = parseCli(argv, options, schema);
  if (help) {
    console.log(USAGE);
    return { code: 0 };
  }
  const bundle = resolveBundle(values.bundle);
  const env = temporalEnv(values);
  const runs: Array<{ bundle: string; source: HistorySource }> = [];
  if (!values.skipRecorded) {
    const histories = recordedHistoryFiles()
      .map((f) => readRecordedHistory(f))
      .filter((h) => !values.type || values.type.includes(h.workflowType));
    runs.push({ bundle: await recordedBundle(values.recordedBundle), source: { source: 'recorded', histories } });
  }
  if (values.download || values.address || values.namespace) {
    checkArtefactTrust(bundle, env['PAYOPS_MODE'] ?? 'local');
    const types = values.type ?? Object.keys(registry);
    const { client, close } = await connectClient({ env });
    try {
      const histories = await downloadRunningHistories(client, { types, limit: values.limit, query: values.query });
      const namespace = client.options.namespace;
      console.log(`downloaded ${histories.length} running workflow histories from namespace ${namespace}`);
      runs.push({ bundle, source: { source: `namespace:${namespace}`, histories } });
    } finally {
      await close();
    }
  }
  if (runs.every((r) => r.source.histories.length === 0)) {
    console.error('replay gate: no histories to replay (nothing recorded or downloaded): refusing to pass');
    return { code: 1 };
  }
  const dataConverter = dataConverterFromEnv(env);
  const reports: ReplayReport[] = [];
  for (const run of runs) {
    console.log(`replaying ${run.source.histories.length} ${run.source.source} histories against ${run.bundle}`);
    reports.push(await replayAgainstBundle(run.bundle, [run.source], dataConverter));
  }
  const report = mergeReports(reports);
  console.log(formatReport(report));
  return { code: report.failures ? 1 : 0, report };
}

if (require.main === module) {
  quietSdkLogs();
  runCli(async (argv) => (await replayGate(argv)).code, USAGE);
}
