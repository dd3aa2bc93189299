/**
 * `npm run bench:cold-start [-- --runs <R>] [--zip-dir <dir>] [--cpu-prof <dir>] [--one-version]`: import to first
 * poll of the Lambda worker, from its zip, on Node 24, the median of R runs (default 5), with its phases:
 *   - node: process start to the driver's first line (Node's own start-up);
 *   - module load: `require('index.js')` (every package bundled into it: the SDK, the AWS SDK, Stripe, zod; not the
 *     packages loaded on first use, such as Adyen's library, which ship as their own files);
 *   - init: from the handler's call to the connection being up (config and secrets, tracing, the Runtime, connect);
 *   - worker create: Worker.create (the workflow thread starts and loads workflow-bundle.js; the provider queues'
 *     workers);
 *   - first poll: from the worker running to the server handing it the waiting workflow task.
 * The zip is built as `npm run build:lambda` builds it, with the tests' aws trust set (a test decisions key); each run
 * is a fresh process (a cold container) polling under its own build ID, set current first, as Lambda versions are:
 * its first poll includes the server registering that version (a few hundred ms, once per deployed version).
 * `--one-version` keeps one build ID for every run, as the later cold starts of one published version.
 * Prints one line per run, the medians, and a JSON line.
 */
import AdmZip from 'adm-zip';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { bin, REPO_ROOT } from '../infra/local/paths';
import { parseFlags, parseOrExit, wholeNumber } from '../scripts/cli/args';
import { FUNCTIONS, packageFunction } from '../workers/package-lambda';
import { describeZip } from '../workers/package-zip';
import { workerSizing } from '../workers/worker-sizing';
import { stackProbeWorkflowId } from '../workflows/probe/contract';
import { log, percentile } from './measure';
import { startBenchStack } from './stack';

const USAGE = `npm run bench:cold-start [-- --runs <R>] [--zip-dir <dir>] [--cpu-prof <dir>] [--one-version]
  --runs <R>        cold starts to take the median of (default 5)
  --one-version     every run polls under one build ID (a published version's later cold starts; default: a new
                    version per run, whose first poll includes the server registering it)
  --zip-dir <dir>   an extracted worker zip to start (default: build one now)
  --cpu-prof <dir>  write each run's CPU profiles there (main and workflow threads; profiling slows the run)`;
const args = parseOrExit('bench:cold-start', USAGE, () =>
  parseFlags(
    process.argv.slice(2),
    {
      runs: { type: 'string' },
      'zip-dir': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'one-version': { type: 'boolean' },
    },
    z.object({
      runs: wholeNumber(1, 100).optional(),
      zipDir: z.string().min(1).optional(),
      cpuProf: z.string().min(1).optional(),
      oneVersion: z.boolean().optional(),
    }),
  ),
).values;
const RUNS = args.runs ?? 5;
/** With --one-version, the build ID of every run. */
const ONE_BUILD_ID = `cold-${randomUUID().slice(0, 8)}`;
const TEST_AWS_TRUST_KEYS = join(REPO_ROOT, 'test', 'support', 'aws-trust-keys.json');
const run = promisify(execFile);

/** Plain JavaScript, as Lambda's runtime runs index.js: times written as one JSON line on stdout. */
const DRIVER = `'use strict';
const nodeStart = Math.round(performance.timeOrigin);
const requireStart = Date.now();
// A profiled run is ended with SIGTERM: exiting (not a kill) writes the CPU profiles.
process.on('SIGTERM', () => process.exit(0));
const { handler } = require(process.argv[2]);
const loaded = Date.now();
const deadline = Date.now() + 60000;
console.log(JSON.stringify({ driver: { nodeStart, requireStart, loaded, invoked: Date.now() } }));
handler({}, {
  callbackWaitsForEmptyEventLoop: false, functionName: 'payops-worker', functionVersion: '1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:payops-worker:1', memoryLimitInMB: '1024',
  awsRequestId: process.env.DRIVER_REQUEST_ID, logGroupName: '/aws/lambda/payops-worker', logStreamName: 'bench',
  getRemainingTimeInMillis: () => deadline - Date.now(), done() {}, fail() {}, succeed() {},
}).catch((err) => { console.error(err); process.exit(1); });
`;

interface Phases {
  /** The process's RSS when its first poll was answered, MiB. */
  rssMiB: number;
  node: number;
  moduleLoad: number;
  init: number;
  workerCreate: number;
  firstPoll: number;
  total: number;
}

async function extractedZip(): Promise<string> {
  if (args.zipDir) return resolve(args.zipDir);
  const dir = mkdtempSync(join(tmpdir(), 'payops-cold-start-'));
  const worker = FUNCTIONS.find((f) => f.name === 'worker');
  if (!worker) throw new Error('no worker function in FUNCTIONS');
  const report = await packageFunction(worker, dir, { awsTrustKeysFile: TEST_AWS_TRUST_KEYS });
  log(describeZip(report));
  const extracted = join(dir, 'extracted');
  new AdmZip(report.zipPath).extractAllTo(extracted);
  return extracted;
}

async function main(): Promise<void> {
  const extracted = await extractedZip();
  if (!existsSync(join(extracted, 'index.js'))) throw new Error(`${extracted}: no index.js`);
  const nodeBin = (await run('bash', [join(REPO_ROOT, 'infra', 'local', 'ensure-node.sh')])).stdout.trim();
  const stack = await startBenchStack({ pspLatencyMs: 20, name: 'cold-start', fairness: false });
  const { config } = stack;
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const driverPath = join(extracted, '..', 'cold-start-driver.js');
  writeFileSync(driverPath, DRIVER);
  const runs: Phases[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const buildId = args.oneVersion ? ONE_BUILD_ID : `cold-${randomUUID().slice(0, 8)}`;
      const deploymentName = `payops-cold-${buildId}`;
      await run(bin('temporal'), [
        ...['worker', 'deployment', 'set-current-version', '--address', config.TEMPORAL_ADDRESS],
        ...['--deployment-name', deploymentName, '--build-id', buildId, '--allow-no-pollers', '--yes'],
      ]);
      const probeId = `cold-${buildId}`;
      const handle = await client.workflow.start('stackProbe', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: stackProbeWorkflowId(probeId),
        args: [{ probeId }],
      });
      const profile = args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.cpuProf)}`] : [];
      const child = spawn(join(nodeBin, 'node'), [...profile, driverPath, join(extracted, 'index.js')], {
        cwd: extracted,
        env: {
          PATH: `${nodeBin}:${process.env['PATH'] ?? ''}`,
          HOME: process.env['HOME'],
          // As the CDK stack sets them for 1,024 MB (infra/cdk/lib/worker-memory.ts).
          NODE_OPTIONS: `--enable-source-maps ${workerSizing(1_024).nodeOptions}`,
          MALLOC_ARENA_MAX: String(workerSizing(1_024).mallocArenaMax),
          LAMBDA_TASK_ROOT: extracted,
          AWS_LAMBDA_FUNCTION_NAME: 'payops-worker',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
          AWS_REGION: config.AWS_REGION,
          PAYOPS_MODE: 'local',
          TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
          TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
          TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
          AWS_ENDPOINT_URL: config.AWS_ENDPOINT_URL,
          PSP_API_BASE: stack.pspUrl,
          CREATORS_API_BASE: stack.creatorsUrl,
          WORKER_BUILD_ID: buildId,
          WORKER_DEPLOYMENT_NAME: deploymentName,
          DRIVER_REQUEST_ID: randomUUID(),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const spawnedAt = Date.now();
      let output = '';
      let driver: { nodeStart: number; requireStart: number; loaded: number; invoked: number } | undefined;
      let polling: { connectMs: number; createMs: number; at: number } | undefined;
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const line of output.split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            const j = JSON.parse(line) as Record<string, unknown>;
            if (j['driver']) driver = j['driver'] as typeof driver;
            if (j['message'] === 'worker polling')
              polling = { connectMs: Number(j['connectMs']), createMs: Number(j['createMs']), at: Date.now() };
          } catch {
            // a partial line: read again with the next chunk
          }
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        const deadline = Date.now() + 60_000;
        let firstPollAt = 0;
        while (!firstPollAt) {
          if (child.exitCode !== null) throw new Error(`the driver exited (${child.exitCode}):\n${output}`);
          if (Date.now() > deadline) throw new Error(`no first poll within 60 s:\n${output}`);
          const events = (await handle.fetchHistory()).events ?? [];
          const started = events.find((e) => e.workflowTaskStartedEventAttributes)?.eventTime;
          firstPollAt = started ? tsToMs(started) : 0;
          if (!firstPollAt) await new Promise((r) => setTimeout(r, 50));
        }
        // The task can be handed out before this process has read the driver's line saying it polls (a loaded machine).
        for (const until = Date.now() + 15_000; (!driver || !polling) && Date.now() < until;)
          await new Promise((r) => setTimeout(r, 20));
        if (!driver || !polling) throw new Error(`the driver or the handler printed no timing:\n${output}`);
        const readyAt = driver.invoked + polling.connectMs + polling.createMs;
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const phases: Phases = {
          rssMiB: Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024),
          node: driver.requireStart - Math.min(driver.nodeStart, spawnedAt),
          moduleLoad: driver.loaded - driver.requireStart,
          init: polling.connectMs,
          workerCreate: polling.createMs,
          firstPoll: firstPollAt - readyAt,
          total: firstPollAt - driver.requireStart,
        };
        runs.push(phases);
        log(`cold start ${i + 1}/${RUNS}: ${show(phases)}`);
      } finally {
        if (args.cpuProf && child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        }
        child.kill('SIGKILL');
        await handle.terminate('bench: cold start measured').catch(() => undefined);
      }
    }
  } finally {
    await connection.close();
    await stack.cleanup();
  }
  const median = Object.fromEntries(
    (Object.keys(runs[0] ?? {}) as Array<keyof Phases>).map((k) => [
      k,
      percentile(
        runs.map((r) => r[k]),
        50,
      ),
    ]),
  ) as unknown as Phases;
  log(`cold start, median of ${RUNS}: ${show(median)} (import to first poll: ${median.total} ms)`);
  console.log(JSON.stringify({ bench: 'cold-start', runs: RUNS, median, all: runs }));
}

const show = (p: Phases) =>
  `RSS ${p.rssMiB} MiB at first poll; node ${p.node} ms, module load ${p.moduleLoad}, init (config, connect) ${p.init}, worker create (bundle) ${p.workerCreate}, first poll ${p.firstPoll}; import to first poll ${p.total} ms`;

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
