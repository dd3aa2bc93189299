import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeAwsClients } from '../activities/adapters/aws';
import { createDynamoLedger } from '../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../activities/adapters/ledger/port';
import { bootstrapAws } from '../infra/local/bootstrap-aws';
import { DATA_DIR, REPO_ROOT } from '../infra/local/paths';
import type { Client } from '@temporalio/client';
import { stopPid, waitFor } from '../infra/local/processes';
import { freeStackPorts, startExternalServers } from '../infra/local/stack';
import { payableCreator, startCreatorsSandbox } from '../sandboxes/creators';
import { startBankSandbox } from '../sandboxes/bank';
import { startPspSandbox } from '../sandboxes/psp';
import { buildWorkflowBundle } from '../workers/build-bundle';
import { awsOptions, loadConfig } from '../workers/config';
import { workerMemoryMb, workerSizing } from '../workers/worker-sizing';
import { pool } from './measure';

/**
 * A bench stack on free ports: Temporal dev server (with or without the fairness matcher) and moto as processes, the
 * PSP (at a fixed latency, with an unlimited balance) and creator-directory sandboxes in this process, AWS resources
 * created. Ctrl-C or a timeout stops it all; so does `cleanup()`.
 */
export async function startBenchStack(opts: { pspLatencyMs: number; name: string; fairness: boolean }) {
  const runDir = join(DATA_DIR, `bench-${process.pid}-${opts.name}`);
  /** Where the worker appends its memory samples (bench/worker-memory.ts; read with bench/memory.ts). */
  const memoryFile = join(runDir, 'worker-memory.jsonl');
  const ports = await freeStackPorts();
  const servers = await startExternalServers({
    ports,
    runDir,
    persist: false,
    embeddedTemporal: true,
    headless: true,
    fairness: opts.fairness,
    // Keep-alive, as AWS serves it, unless BENCH_MOTO_KEEP_ALIVE=0 (to compare with the stack before it).
    motoKeepAlive: process.env['BENCH_MOTO_KEEP_ALIVE'] !== '0',
  });
  const psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_bench' });
  const creators = await startCreatorsSandbox({ port: 0 });
  // The bank rail confirms by polling pain.002 here (no ingress in the bench): it is sampled for its actions only.
  const bank = await startBankSandbox({ port: 0, hmacSecret: 'bank_bench' });
  const env = {
    ...process.env,
    PAYOPS_MODE: 'local',
    TEMPORAL_ADDRESS: servers.temporalAddress ?? '',
    AWS_ENDPOINT_URL: servers.awsEndpoint,
    PSP_API_BASE: psp.url,
    CREATORS_API_BASE: creators.url,
    BANK_API_BASE: bank.url,
    TEMPORAL_TASK_QUEUE: 'bench',
  };
  const config = loadConfig(env);
  let workerPid: number | undefined;
  let stopped: Promise<void> | undefined;
  /** Stops everything once; later calls wait for the same stop. */
  const cleanup = () =>
    (stopped ??= (async () => {
      if (workerPid) await stopPid(workerPid);
      await psp.stop();
      await creators.stop();
      await bank.stop();
      await servers.stop();
    })());
  // Ctrl-C or a timeout must not leave the servers behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    await bootstrapAws(makeAwsClients(awsOptions(config)), config, { taps: [] });
    await adminPost(psp.url, '/__admin/faults', { latencyMs: opts.pspLatencyMs });
    await adminPost(psp.url, '/__admin/balance', { currency: 'usd', amount: 1e12 });
  } catch (err) {
    await cleanup();
    throw err;
  }

  return {
    config,
    servers,
    cleanup,
    pspUrl: psp.url,
    memoryFile,
    creatorsUrl: creators.url,
    bankUrl: bank.url,
    /** Registers creators with `amountMinor` USD earned in `period`, in the directory and funded in the ledger. */
    async seedCreators(
      ids: string[],
      period: string,
      amountMinor: number,
      overrides: Record<string, unknown> = {},
    ): Promise<void> {
      const record = (creatorId: string) =>
        payableCreator(creatorId, { earnings: { [period]: amountMinor }, ...overrides });
      for (let i = 0; i < ids.length; i += 1000) {
        await adminPost(creators.url, '/__admin/creators', { creators: ids.slice(i, i + 1000).map(record) });
      }
      const ledger = createDynamoLedger({ aws: makeAwsClients(awsOptions(config)), table: config.LEDGER_TABLE });
      await pool(ids, 16, async (creatorId) => {
        await ledger.post({
          postingId: `bench-fund-${creatorId}`,
          currency: 'USD',
          description: 'bench funding',
          effectiveDate: new Date().toISOString().slice(0, 10),
          refs: { workflowId: 'bench-funding' },
          legs: [
            { account: Accounts.platformCash, amountMinor },
            { account: Accounts.creatorAvailable(creatorId), amountMinor: -amountMinor },
          ],
        });
      });
    },
    /**
     * Starts the bench worker (`bench/worker.ts`) as a child process and returns its PID. Like a production worker,
     * it runs a prebuilt bundle (`bench/workflows.ts`: the product's workflows plus the floor), so webpack never runs
     * inside the measured process.
     */
    async startWorker(): Promise<number> {
      rmSync(memoryFile, { force: true });
      const workflowBundle = await buildWorkflowBundle(
        join(runDir, 'workflow-bundle.js'),
        'local',
        require.resolve('./workflows'),
      );
      // BENCH_WORKER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the worker without touching the bench.
      // --expose-gc: the memory phase asks the worker for a sample after a full collection (bench/worker-memory.ts).
      // The heap limits the sizing gives the worker's memory, as a deployment sets them in NODE_OPTIONS.
      const sizing = workerSizing(workerMemoryMb(config));
      const sized = sizing.nodeOptions.split(' ');
      const nodeArgs = [
        '--expose-gc',
        ...sized,
        ...(process.env['BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
      ];
      const worker = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'bench', 'worker.ts')], {
        env: {
          ...env,
          MALLOC_ARENA_MAX: String(sizing.mallocArenaMax),
          WORKFLOW_BUNDLE_PATH: workflowBundle,
          BENCH_MEMORY_FILE: memoryFile,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      workerPid = worker.pid;
      if (!workerPid) throw new Error('worker did not start');
      return workerPid;
    },
  };
}

/** Waits until the stack's worker runs a workflow on `taskQueue` (a one-activity floor), i.e. polls. */
export async function untilWorkerPolls(client: Client, taskQueue: string): Promise<void> {
  await waitFor(
    'worker',
    async () => {
      const h = await client.workflow.start('benchFloor', {
        taskQueue,
        workflowId: `bench-warmup-${Date.now()}`,
        args: [{ activities: 1 }],
      });
      await h.result();
      return true;
    },
    120_000,
  );
}

export async function adminPost(base: string, path: string, body: unknown, method = 'POST'): Promise<void> {
  await fetch(`${base}${path}`, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}
