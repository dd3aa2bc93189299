import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import workerThreads from 'node:worker_threads';
import type { AwsCallCount } from './aws-calls';

/**
 * The bench worker's memory, by thread: the SDK starts its workflow thread with `new worker_threads.Worker(…)`, read
 * from the module at call time, so a subclass installed before the SDK creates it sees every thread it starts. Imported
 * first by bench/worker.ts; nothing in the product does this.
 */
const threads = new Set<workerThreads.Worker>();
const Original = workerThreads.Worker;
class TrackedWorker extends Original {
  constructor(...args: ConstructorParameters<typeof Original>) {
    super(...args);
    threads.add(this);
    this.once('exit', () => threads.delete(this));
  }
}
(workerThreads as { Worker: typeof Original }).Worker = TrackedWorker;

/** One sample: RSS, the heaps' used bytes (MiB), the worker's cache and activities; `gc` when taken after a full GC. */
export interface MemorySample {
  t: number;
  rssMiB: number;
  mainUsedMiB: number;
  /** The heaps' committed size (what V8 holds from the OS, live or not). */
  mainHeapMiB: number;
  /** Buffers and other memory outside the main heap that V8 tracks (payload bytes, sockets' buffers). */
  externalMiB: number;
  workflowsUsedMiB: number;
  workflowsHeapMiB: number;
  cached: number;
  activities: number;
  gc: boolean;
  /** The worker's AWS calls so far by operation, with DynamoDB's request units (bench/aws-calls.ts). */
  aws?: Record<string, AwsCallCount>;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/** Forces a full collection on each workflow thread (a heap snapshot starts with one; its stream is discarded). */
async function collectThreads(): Promise<void> {
  await Promise.all(
    [...threads].map(async (t) => {
      const stream = await t.getHeapSnapshot();
      await new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject).resume());
    }),
  );
}

/**
 * Appends a sample to `file` every `everyMs`; a `gc: true` one when `<file>.gc` exists (the bench asks for one when
 * the cache or the activities in flight are where it wants them): the main thread collected with `gc()` (the bench starts
 * the worker with --expose-gc), the workflow thread through a heap snapshot.
 */
export function reportMemory(
  file: string,
  status: () => { cached: number; activities: number; aws?: Record<string, AwsCallCount> },
  everyMs = 1_000,
): void {
  const sample = async (gc: boolean) => {
    if (gc) {
      (globalThis as { gc?: () => void }).gc?.();
      await collectThreads();
    }
    const used = await Promise.all([...threads].map((t) => t.getHeapStatistics().catch(() => undefined)));
    const s: MemorySample = {
      t: Date.now(),
      rssMiB: mib(process.memoryUsage.rss()),
      mainUsedMiB: mib(getHeapStatistics().used_heap_size),
      mainHeapMiB: mib(getHeapStatistics().total_heap_size),
      externalMiB: mib(process.memoryUsage().external),
      workflowsUsedMiB: mib(used.reduce((sum, h) => sum + (h?.used_heap_size ?? 0), 0)),
      workflowsHeapMiB: mib(used.reduce((sum, h) => sum + (h?.total_heap_size ?? 0), 0)),
      ...status(),
      gc,
    };
    appendFileSync(file, `${JSON.stringify(s)}\n`);
  };
  // A file, not a signal: the SDK's Runtime shuts the worker down on SIGUSR2 (and SIGUSR1 is Node's inspector).
  const request = `${file}.gc`;
  let busy = false;
  setInterval(() => {
    if (busy) return;
    busy = true;
    const gc = existsSync(request);
    if (gc) rmSync(request, { force: true });
    void sample(gc)
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs).unref();
}
