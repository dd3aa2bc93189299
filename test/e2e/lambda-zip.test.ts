import AdmZip from 'adm-zip';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tsToMs } from '@temporalio/common/lib/time';
import { bin } from '../../infra/local/paths';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { bundleTrustEnvironment } from '../../workers/bundle-trust';
import { lazyPackageFile, NATIVE_BINARY_DIR, NATIVE_TARGET } from '../../workers/package-esbuild';
import { DEFAULT_BUNDLE, replayGate, resolveBundle } from '../../scripts/release/replay-gate';
import { bundleFileTrustEnvironment } from '../../workers/bundle-trust';
import { FUNCTIONS, LAMBDA_OUT_DIR, packageFunction, WORKER_LAZY_PACKAGES } from '../../workers/package-lambda';
import { describeZip, type ZipReport } from '../../workers/package-zip';
import { stackProbe } from '../../workflows';
import { stackProbeWorkflowId } from '../../workflows/probe/contract';
import { stackEnv, testClient, testConfig } from '../support/stack';

const run = promisify(execFile);
/** The aws trust set with a test decisions key (the repository's ships without one, and the build refuses that). */
const TEST_AWS_TRUST_KEYS = join(__dirname, '..', 'support', 'aws-trust-keys.json');
const BUDGET_MS = 25_000; // the fake Lambda timeout: the handler polls until 7 s before it, then shuts down

/**
 * Plain JavaScript run by Node 24 in a child process, as Lambda's runtime would: require the zip's index.js, call
 * `handler(event, context)` with a Lambda-shaped context, and write what it saw (times, Node version) to a file.
 */
const DRIVER = `'use strict';
const { writeFileSync } = require('node:fs');
const [, , indexPath, resultPath, budgetMs] = process.argv;
const requireStart = Date.now();
const { handler } = require(indexPath);
const loaded = Date.now();
if (typeof handler !== 'function') throw new Error('index.js exports no handler');
const deadline = Date.now() + Number(budgetMs);
const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'payops-worker',
  functionVersion: '1',
  invokedFunctionArn: process.env.DRIVER_FUNCTION_ARN,
  memoryLimitInMB: '1024',
  awsRequestId: process.env.DRIVER_REQUEST_ID,
  logGroupName: '/aws/lambda/payops-worker',
  logStreamName: 'lambda-zip-test',
  getRemainingTimeInMillis: () => deadline - Date.now(),
  done() {}, fail() {}, succeed() {},
};
const invoked = Date.now();
handler({}, context).then(
  () => {
    const returned = Date.now();
    // What Node loaded from the zip by the end of the invocation (the packages loaded on first use must be absent).
    const modules = Object.keys(require.cache);
    const out = { node: process.version, arch: process.arch, requireStart, loaded, invoked, returned, deadline, modules };
    writeFileSync(resultPath, JSON.stringify(out));
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
`;

interface DriverResult {
  node: string;
  arch: string;
  requireStart: number;
  loaded: number;
  invoked: number;
  returned: number;
  deadline: number;
  modules: string[];
}

describe('Lambda worker zip (npm run build:lambda), started from the zip on Node 24 against the dev server', () => {
  let dir: string;
  let extracted: string;
  let report: ZipReport;
  let nodeBin: string;
  let psp: PspSandbox;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payops-lambda-zip-'));
    const worker = FUNCTIONS.find((f) => f.name === 'worker');
    if (!worker) throw new Error('no worker function in FUNCTIONS');
    const [built, node] = await Promise.all([
      packageFunction(worker, dir, { awsTrustKeysFile: TEST_AWS_TRUST_KEYS }),
      run('bash', [join(__dirname, '..', '..', 'infra', 'local', 'ensure-node.sh')]),
    ]);
    report = built;
    nodeBin = node.stdout.trim();
    console.log(describeZip(report));
    extracted = join(dir, 'extracted');
    new AdmZip(report.zipPath).extractAllTo(extracted);
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
  }, 300_000);

  afterAll(async () => {
    await psp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the zip holds the handler, the AWS workflow bundle and one linux x64 core binary, and no dev packages', () => {
    const entries = new AdmZip(report.zipPath).getEntries();
    const names = entries.map((e) => e.entryName);
    // Reproducible: one fixed timestamp and world-readable files (Lambda runs the code as another user).
    expect(new Set(entries.map((e) => e.header.time.getFullYear()))).toEqual(new Set([1980]));
    expect(entries.filter((e) => (e.attr >>> 16) % 0o1000 !== 0o644)).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['index.js', 'workflow-bundle.js', 'failure-converter.js']));
    expect(names).toEqual(expect.arrayContaining(['workflow-worker-thread.js', 'mappings.wasm']));
    const binaries = names.filter((n) => n.endsWith('.node'));
    expect(binaries).toEqual([`${NATIVE_BINARY_DIR}/${NATIVE_TARGET}/index.node`]);
    // Nothing else under node_modules/: every package is bundled into the .js files.
    expect(names.filter((n) => n.startsWith('node_modules/') && !n.endsWith('.node'))).toEqual([]);
    // ELF, 64-bit, little-endian, machine x86-64 (62): the CDK's ARCHITECTURE.
    const elf = readFileSync(join(extracted, binaries[0]!));
    expect([...elf.subarray(0, 6)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    expect(elf.readUInt16LE(18)).toBe(62);

    // What went into the bundles, from their source maps: production code only.
    const sources = ['index.js.map', 'workflow-worker-thread.js.map', 'failure-converter.js.map'].flatMap(
      (m) => (JSON.parse(readFileSync(join(extracted, m), 'utf8')) as { sources: string[] }).sources,
    );
    expect(sources.some((s) => s.includes('node_modules/@temporalio/worker/'))).toBe(true);
    for (const dev of ['jest', 'typescript', '@temporalio/testing', 'aws-cdk-lib', 'webpack', '@swc', 'esbuild']) {
      expect(sources.filter((s) => s.includes(`node_modules/${dev}/`))).toEqual([]);
    }
    // The AWS flavour of the workflow bundle: its banner says aws, webpack's define turned the trust environment into
    // a constant 'aws', and the aws trust set given (a test decisions key) is compiled in.
    const bundle = readFileSync(join(extracted, 'workflow-bundle.js'), 'utf8');
    expect(bundleTrustEnvironment(bundle)).toBe('aws');
    expect(bundle).toMatch(/function trustEnvironment\(\) \{\s*const env =\s+false \? 0 : "aws";/);
    expect(bundle).toContain('payops-decisions-test-1');
  });

  test('when the zip is built, then each package loaded on first use is its own file, out of index.js, and loads alone', async () => {
    const names = new AdmZip(report.zipPath).getEntries().map((e) => e.entryName);
    const mapSources = (file: string) =>
      (JSON.parse(readFileSync(join(extracted, `${file}.map`), 'utf8')) as { sources: string[] }).sources;
    const index = readFileSync(join(extracted, 'index.js'), 'utf8');
    for (const pkg of WORKER_LAZY_PACKAGES) {
      const file = lazyPackageFile(pkg);
      expect(names).toEqual(expect.arrayContaining([file, `${file}.map`]));
      // Not one module of it in index.js (which a cold start reads and compiles whole), only the require of the file.
      expect(mapSources('index.js').filter((s) => s.includes(`node_modules/${pkg}/`))).toEqual([]);
      expect(mapSources(file).some((s) => s.includes(`node_modules/${pkg}/`))).toBe(true);
      expect(index).toContain(`require("./${file}")`);
    }
    // Adyen's file alone (no node_modules beside it) gives what the adapters use.
    const probe = `const a = require('./${lazyPackageFile('@adyen/api-library')}');
console.log(JSON.stringify([typeof a.Client, typeof a.TransfersAPI, typeof a.HttpClientException, a.EnvironmentEnum.TEST,
  a.Types.transfers.TransferInfo.CategoryEnum.Internal]));`;
    const { stdout } = await run(join(nodeBin, 'node'), ['-e', probe], { cwd: extracted });
    expect(JSON.parse(stdout)).toEqual(['function', 'function', 'function', 'TEST', 'internal']);
  });

  test('when npm run build:lambda has written its folder, then npm run replay:gate without --bundle replays on the worker.zip it wrote', async () => {
    // The gate's default is what build:lambda writes (issue 26: it named a file the build never wrote).
    expect(DEFAULT_BUNDLE).toBe(`${LAMBDA_OUT_DIR}/worker.zip`);
    expect(report.zipPath).toBe(join(dir, 'worker.zip'));
    // This file's build stands in for `npm run build:lambda` (same packageFunction, the test's aws trust set): its
    // zip at dist/lambda/worker.zip under a scratch checkout root, where the gate then runs with its defaults.
    const root = mkdtempSync(join(tmpdir(), 'payops-gate-default-'));
    mkdirSync(join(root, LAMBDA_OUT_DIR), { recursive: true });
    copyFileSync(report.zipPath, join(root, DEFAULT_BUNDLE));
    const cwd = process.cwd();
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.chdir(root);
    try {
      expect(bundleFileTrustEnvironment(resolveBundle(DEFAULT_BUNDLE))).toBe('aws');
      // The recorded histories replay on the local flavour (the aws bundle rightly refuses their local tokens); one
      // type is enough here (test/replay replays them all).
      const gate = await replayGate(['--recorded-bundle', stackEnv('PAYOPS_TEST_BUNDLE'), '--type', 'stackProbe']);
      expect(gate.code).toBe(0);
      expect(gate.report).toMatchObject({ failures: 0, total: expect.any(Number) });
      expect(gate.report?.total).toBeGreaterThan(0);
    } finally {
      process.chdir(cwd);
      log.mockRestore();
      rmSync(root, { recursive: true, force: true });
    }
    // The folder build:lambda staged the zip from is a bundle too.
    expect(resolveBundle(join(dir, 'worker'))).toBe(join(dir, 'worker', 'workflow-bundle.js'));
  });

  test('when Node 24 requires the zip and invokes handler, then that worker completes a workflow before the deadline', async () => {
    const buildId = `zip-${randomUUID().slice(0, 8)}`;
    const config = testConfig({ PSP_API_BASE: psp.url, WORKER_BUILD_ID: buildId });
    const deploymentName = `payops-zip-${buildId}`;
    await run(bin('temporal'), [
      ...['worker', 'deployment', 'set-current-version', '--address', config.TEMPORAL_ADDRESS],
      ...['--deployment-name', deploymentName, '--build-id', buildId, '--allow-no-pollers', '--yes'],
    ]);
    const requestId = randomUUID();
    const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:payops-worker:1';
    const { client, connection } = await testClient(config);
    writeFileSync(join(dir, 'driver.js'), DRIVER);
    const resultPath = join(dir, `result-${buildId}.json`);
    try {
      const probeId = `zip-${buildId}`;
      const handle = await client.workflow.start(stackProbe, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: stackProbeWorkflowId(probeId),
        args: [{ probeId }],
      });
      // A Lambda-like environment: only what the function would be given (no jest, no ts loader).
      const child = spawn(
        join(nodeBin, 'node'),
        [join(dir, 'driver.js'), join(extracted, 'index.js'), resultPath, `${BUDGET_MS}`],
        {
          cwd: extracted,
          env: {
            PATH: `${nodeBin}:${process.env['PATH'] ?? ''}`,
            HOME: process.env['HOME'],
            NODE_OPTIONS: '--enable-source-maps', // as the CDK stack sets it
            LAMBDA_TASK_ROOT: extracted,
            AWS_LAMBDA_FUNCTION_NAME: 'payops-worker',
            AWS_REGION: config.AWS_REGION,
            PAYOPS_MODE: 'local',
            TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
            TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
            TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
            AWS_ENDPOINT_URL: config.AWS_ENDPOINT_URL,
            PSP_API_BASE: psp.url,
            WORKER_BUILD_ID: buildId,
            WORKER_DEPLOYMENT_NAME: deploymentName,
            DRIVER_REQUEST_ID: requestId,
            DRIVER_FUNCTION_ARN: functionArn,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = once(child, 'exit') as Promise<[number | null]>;
      const completed = handle.result();
      try {
        const stopped = exited.then(([code]): never => {
          throw new Error(`the driver exited (${code}) before the workflow completed:\n${output}`);
        });
        const result = await Promise.race([completed, stopped]);
        const [code] = await exited;
        if (code !== 0) throw new Error(`the driver exited with ${code}:\n${output}`);
        expect(result.probeId).toBe(probeId);
        expect(result.eventMessageId).toMatch(/\S+/); // SNS (moto) through the bundled AWS SDK
        expect(result.pspCurrencies).toContain('USD'); // the PSP through the bundled Stripe client
      } catch (err) {
        // Settle the pending result before the connection closes (its long poll would outlive the test).
        await handle.terminate('lambda-zip test failed').catch(() => undefined);
        await completed.catch(() => undefined);
        throw err;
      } finally {
        if (child.exitCode === null) child.kill();
      }

      const driver = JSON.parse(readFileSync(resultPath, 'utf8')) as DriverResult;
      expect(driver.node).toMatch(/^v24\./);
      expect(driver.arch).toBe('x64');
      expect(driver.returned).toBeLessThan(driver.deadline);
      // A whole invocation without an Adyen call never loaded Adyen's library (issue 24: cold start).
      const lazyFiles = WORKER_LAZY_PACKAGES.map((pkg) => join(extracted, lazyPackageFile(pkg)));
      expect(driver.modules).toContain(join(extracted, 'index.js'));
      expect(driver.modules.filter((m) => lazyFiles.includes(m))).toEqual([]);

      // Completed by the zip's process: the identity lambda-worker gives it and the build ID it polled with.
      const events = (await handle.fetchHistory()).events ?? [];
      const completions = events.flatMap((e) =>
        e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes] : [],
      );
      expect(completions.length).toBeGreaterThan(0);
      for (const done of completions) {
        expect(done.identity).toBe(`${requestId}@${functionArn}`);
        expect(done.deploymentVersion?.buildId).toBe(buildId);
        expect(done.deploymentVersion?.deploymentName).toBe(deploymentName);
      }

      // Import to first poll: the first task was waiting, so the server answered the worker's first poll with it.
      const firstTask = events.find((e) => e.workflowTaskStartedEventAttributes);
      const firstPollAt = tsToMs(firstTask?.eventTime);
      console.log(
        `[lambda zip] import-to-first-poll ${firstPollAt - driver.requireStart} ms on ${driver.node} ` +
          `(require ${driver.loaded - driver.requireStart} ms, handler start to first task ${firstPollAt - driver.invoked} ms); ` +
          `handler returned ${driver.deadline - driver.returned} ms before its deadline`,
      );
    } finally {
      await connection.close();
    }
  });
});
