import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from '../workers/data-converter';
import { applyPspRateLimit } from '../client/psp-control';
import { payoutRunWorkflowId, type PayoutRunWorkflow } from '../workflows/payout-runs/contract';
import { log, rssSampler } from './measure';
import { adminPost, startBenchStack, untilWorkerPolls } from './stack';
import { endpointOf } from '../sandboxes/psp/rate-limit';
import type { CallRecord } from '../sandboxes/psp/admin';

/** The paced run's figures: how close the run came to the PSP's own limit, and what that cost the PSP. */
export interface PacedFigures {
  creators: number;
  /** The PSP's per-endpoint limit, requests per second (sandbox bucket and the server's per-key limit alike). */
  limitPerSec: number;
  seconds: number;
  /** Makespan / (N / L): 1.0 is a run exactly as fast as the PSP's limit on creating transfers allows. */
  makespanRatio: number;
  pspCalls: number;
  share429: number;
  workerPeakRssMiB: number;
  counts: Record<string, number>;
  /** Per PSP endpoint: its calls, and when the first and the last arrived (seconds after the run's start). */
  endpoints: Record<string, { calls: number; firstS: number; lastS: number }>;
}

const callsAt = async (pspUrl: string): Promise<CallRecord[]> =>
  ((await (await fetch(`${pspUrl}/__admin/calls`)).json()) as { calls: CallRecord[] }).calls;

/**
 * A payout run of N creators against a PSP that allows L requests per second on each endpoint (the sandbox's token
 * buckets, burst L), with the PSP queue paced by the server at the same L per PSP activity (fairness key) and 3 L for
 * the whole queue. Everything else as in production: the run's window, the product's workflows and worker.
 */
export async function pacedRun(opts: {
  client: Client;
  pspUrl: string;
  taskQueue: string;
  period: string;
  creators: number;
  limitPerSec: number;
  timing: { returnWindowMs: number; pollInitialMs: number; pollMaxMs: number };
  rss: { reset(): void; peakMiB(): number };
}): Promise<PacedFigures> {
  const { client, pspUrl, creators, limitPerSec: L } = opts;
  await adminPost(pspUrl, '/__admin/rate-limit', { rps: L, burst: L, scope: 'endpoint' });
  await applyPspRateLimit(client, {
    TEMPORAL_TASK_QUEUE: opts.taskQueue,
    PSP_RATE_LIMIT_RPS: L,
    PSP_ACCOUNT_RATE_LIMIT_RPS: 3 * L,
  });
  const before = (await callsAt(pspUrl)).length;
  opts.rss.reset();
  const started = Date.now();
  const run = await client.workflow.start<PayoutRunWorkflow>('payoutRun', {
    taskQueue: opts.taskQueue,
    workflowId: payoutRunWorkflowId(opts.period),
    args: [{ period: opts.period, limit: creators, maxConcurrent: 200, payoutTiming: opts.timing }],
  });
  const ticker = setInterval(() => log(`paced:  ${Math.round((Date.now() - started) / 1000)} s…`), 60_000);
  const progress = await run.result().finally(() => clearInterval(ticker));
  const seconds = (Date.now() - started) / 1000;
  const calls = (await callsAt(pspUrl)).slice(before);
  await adminPost(pspUrl, '/__admin/rate-limit', {}, 'DELETE');
  const endpoints: PacedFigures['endpoints'] = {};
  const secs = (at: number) => Number(((at - started) / 1000).toFixed(1));
  for (const call of calls) {
    const e = (endpoints[endpointOf(call.method, call.path)] ??= { calls: 0, firstS: secs(call.at), lastS: 0 });
    e.calls += 1;
    e.lastS = secs(call.at);
  }
  const figures: PacedFigures = {
    creators,
    limitPerSec: L,
    seconds: Math.round(seconds),
    makespanRatio: Number((seconds / (creators / L)).toFixed(3)),
    pspCalls: calls.length,
    share429: Number((calls.filter((c) => c.status === 429).length / Math.max(1, calls.length)).toFixed(4)),
    workerPeakRssMiB: opts.rss.peakMiB(),
    counts: progress.counts,
    endpoints,
  };
  log(
    `paced:  ${creators} creators at ${L} req/s per endpoint: ${figures.seconds} s, makespan / (N / L) = ${figures.makespanRatio}; ${figures.pspCalls} PSP calls, ${(figures.share429 * 100).toFixed(2)} % answered 429; worker RSS ${figures.workerPeakRssMiB} MiB; counts ${JSON.stringify(progress.counts)}`,
  );
  for (const [endpoint, e] of Object.entries(endpoints))
    log(`paced:  ${endpoint}: ${e.calls} calls, the first at ${e.firstS} s, the last at ${e.lastS} s`);
  return figures;
}

/** What the paced run is given (`--paced`, `--limit`). */
export interface PacedOptions {
  pspLatencyMs: number;
  period: string;
  creators: number;
  limitPerSec: number;
  timing: { returnWindowMs: number; pollInitialMs: number; pollMaxMs: number };
}

/**
 * The paced run's stack of its own, with the fairness matcher its per-key limits need (the other phases run without
 * it: see infra/local/stack.ts): seeds P creators, starts a worker and waits until it polls. `run()` then runs and
 * stops it all; `stop()` stops it without running (once, whichever comes first).
 */
export async function preparePacedRun(
  opts: PacedOptions,
): Promise<{ run(): Promise<PacedFigures>; stop(): Promise<void> }> {
  const stack = await startBenchStack({ pspLatencyMs: opts.pspLatencyMs, name: 'paced', fairness: true });
  let rss: ReturnType<typeof rssSampler> | undefined;
  let connection: Connection | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      rss?.stop();
      await connection?.close();
      await stack.cleanup();
    })());
  try {
    log(`paced:  seeding ${opts.creators} creators on a stack with the fairness matcher…`);
    const ids = Array.from({ length: opts.creators }, (_, i) => `paced-${String(i).padStart(6, '0')}`);
    await stack.seedCreators(ids, opts.period, 5_000);
    const sampler = rssSampler(await stack.startWorker());
    rss = sampler;
    connection = await Connection.connect({ address: stack.config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, dataConverter: dataConverterFor(stack.config) });
    const taskQueue = stack.config.TEMPORAL_TASK_QUEUE;
    await untilWorkerPolls(client, taskQueue);
    return {
      run: () => pacedRun({ ...opts, client, pspUrl: stack.pspUrl, taskQueue, rss: sampler }).finally(stop),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
