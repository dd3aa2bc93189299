import { appendFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import workerThreads from 'node:worker_threads';

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
  workflowsUsedMiB: number;
  cached: number;
  activities: number;
  gc: boolean;
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
 * Appends a sample to `file` every `everyMs`, and a `gc: true` sample on SIGUSR2 (the bench asks for one when the
 * cache or the activities in flight are where it wants them): the main thread collected with `gc()` (the bench starts
 * the worker with --expose-gc), the workflow thread through a heap snapshot.
 */
export function reportMemory(
  file: string,
  status: () => { cached: number; activities: number },
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
      workflowsUsedMiB: mib(used.reduce((sum, h) => sum + (h?.used_heap_size ?? 0), 0)),
      ...status(),
      gc,
    };
    appendFileSync(file, `${JSON.stringify(s)}\n`);
  };
  setInterval(() => void sample(false).catch(() => undefined), everyMs).unref();
  process.on('SIGUSR2', () => void sample(true).catch(() => undefined));
}
