import type { AppConfig } from './config';

/**
 * The worker's concurrency from the memory it is given: a pure function, used by the Lambda worker (the function's
 * memory) and the long-lived worker (`WORKER_MEMORY_MB`), so that neither runs on the SDK's defaults (a sticky cache
 * sized from V8's heap limit, which on a large host is thousands of workflows, and 100 activities per task queue).
 *
 * The figures are measured by `npm run bench:payouts` (its memory phase prints them; docs/benchmark-and-faults.md).
 */
export const MEMORY_MODEL = {
  /**
   * RSS of a worker polling with nothing cached or in flight: Node, the SDK's Rust core, the bundled modules, the
   * workflow thread with the bundle loaded, both threads' heaps at rest. Measured 296–307 MiB at the Lambda zip's first
   * poll and 300–420 MiB idle after a run; the plan counts 250 and lets the garbage factor below cover the rest.
   */
  baseMiB: 250,
  /** One workflow in the sticky cache, on the workflow thread's heap: 291–300 KiB live (200 parked payouts). */
  perCachedWorkflowMiB: 0.3,
  /** One activity in flight: 35–61 KiB of live main heap (a PSP call waiting), plus its socket's buffers; rounded up. */
  perActivityMiB: 0.25,
  /**
   * V8 collects when a heap has grown, not when its objects die: between collections a heap holds about this many
   * times what is live, so the plan reserves it. With this model at 1,024 MB (cache 328, 65 activities per queue) the
   * bench's worker peaked at 421 MiB through a run of 1,000 (881–980 MiB before, on the SDK's defaults).
   */
  garbageFactor: 2,
} as const;

/** The share of the memory the planned peak may use; the rest is headroom (a burst of large payloads, a slow GC). */
export const PLANNED_PEAK_SHARE = 0.5;

/** Lambda's CPU grows with memory: one full vCPU at 1,769 MB (AWS Lambda docs, "Memory and computing power"). */
export const MB_PER_VCPU = 1_769;

export interface WorkerSizing {
  /** The sticky cache: workflows kept in memory between their tasks. */
  maxCachedWorkflows: number;
  /** Workflow tasks run at once (at most the cache; the SDK refuses more). */
  maxConcurrentWorkflowTaskExecutions: number;
  /** Activities run at once per task queue: the worker polls two (`<queue>` and `<queue>-psp`), so twice this at most. */
  maxConcurrentActivityTaskExecutions: number;
  /** What the plan expects the peak RSS to be, MiB (≤ PLANNED_PEAK_SHARE × memory). */
  plannedPeakMiB: number;
  /**
   * V8's heap limits for the process (`NODE_OPTIONS`; they apply to the main thread and the workflow thread alike):
   * a small young generation and an old-generation ceiling make V8 collect before the heaps grow to the host's size.
   */
  nodeOptions: string;
  /**
   * glibc's malloc arenas (`MALLOC_ARENA_MAX`): by default up to eight per core, one per thread that allocates (the
   * SDK's Rust core, V8's and libuv's threads), each keeping what it freed; two arenas reuse it. Measured by the bench:
   * an idle worker's RSS was 600 MiB with 150 MiB of V8 heap, the rest in arenas of up to 64 MB.
   */
  mallocArenaMax: number;
}

const LIMITS = {
  cache: { min: 10, max: 2_000 },
  workflowTasks: { min: 10, max: 40 },
  activities: { min: 2, max: 100 },
} as const;
const clamp = (x: number, { min, max }: { min: number; max: number }) => Math.max(min, Math.min(max, Math.floor(x)));

/**
 * The sizing for `memoryMb` of memory (a Lambda function's `memorySize`, or what a long-lived worker's host gives
 * it). Of the planned peak (PLANNED_PEAK_SHARE of the memory) the base is taken first; of the rest, a quarter goes to
 * activities (two queues), the remainder to the sticky cache, each reserving its garbage (MEMORY_MODEL.garbageFactor).
 * Workflow tasks run on one thread: ten per vCPU (Lambda's CPU share), at most the SDK's default of 40.
 */
export function workerSizing(memoryMb: number): WorkerSizing {
  if (!Number.isFinite(memoryMb) || memoryMb < 128) throw new RangeError('memoryMb: must be a number ≥ 128');
  const m = MEMORY_MODEL;
  const budget = Math.max(0, memoryMb * PLANNED_PEAK_SHARE - m.baseMiB);
  const activities = clamp((budget * 0.25) / (2 * m.perActivityMiB * m.garbageFactor), LIMITS.activities);
  const cacheBudget = budget - 2 * activities * m.perActivityMiB * m.garbageFactor;
  const cache = clamp(cacheBudget / (m.perCachedWorkflowMiB * m.garbageFactor), LIMITS.cache);
  const vcpus = memoryMb / MB_PER_VCPU;
  const workflowTasks = Math.min(cache, clamp(10 * vcpus, LIMITS.workflowTasks));
  const plannedPeakMiB = Math.round(
    m.baseMiB + m.garbageFactor * (cache * m.perCachedWorkflowMiB + 2 * activities * m.perActivityMiB),
  );
  // Per isolate (two: main and workflows). The old generation holds what is live (the cache, the activities) well
  // under this ceiling; the young generation's semi-spaces are kept small (V8's default grows them to 32 MB each).
  const maxOldSpaceMb = Math.max(128, Math.floor(memoryMb * 0.3));
  const maxSemiSpaceMb = memoryMb <= 2_048 ? 8 : 16;
  return {
    nodeOptions: `--max-old-space-size=${maxOldSpaceMb} --max-semi-space-size=${maxSemiSpaceMb}`,
    mallocArenaMax: 2,
    maxCachedWorkflows: cache,
    maxConcurrentWorkflowTaskExecutions: workflowTasks,
    maxConcurrentActivityTaskExecutions: activities,
    plannedPeakMiB,
  };
}

/** The memory the worker plans for: `WORKER_MEMORY_MB`, else the Lambda function's, else 1,024 MB. */
export const DEFAULT_WORKER_MEMORY_MB = 1_024;
export function workerMemoryMb(
  config: Pick<AppConfig, 'WORKER_MEMORY_MB' | 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE'>,
): number {
  return config.WORKER_MEMORY_MB ?? config.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? DEFAULT_WORKER_MEMORY_MB;
}

/** The worker options the sizing sets, from config (an explicit `WORKER_MAX_CACHED_WORKFLOWS` wins for the cache). */
export function sizedWorkerOptions(
  config: Pick<AppConfig, 'WORKER_MEMORY_MB' | 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE' | 'WORKER_MAX_CACHED_WORKFLOWS'>,
): Pick<
  WorkerSizing,
  'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions'
> {
  const { maxCachedWorkflows, maxConcurrentWorkflowTaskExecutions, maxConcurrentActivityTaskExecutions } = workerSizing(
    workerMemoryMb(config),
  );
  const sizing = { maxCachedWorkflows, maxConcurrentWorkflowTaskExecutions, maxConcurrentActivityTaskExecutions };
  const cache = config.WORKER_MAX_CACHED_WORKFLOWS;
  if (cache === undefined) return sizing;
  return {
    ...sizing,
    maxCachedWorkflows: cache,
    // The SDK refuses more workflow tasks at once than cached workflows (unless the cache is off).
    maxConcurrentWorkflowTaskExecutions:
      cache === 0
        ? sizing.maxConcurrentWorkflowTaskExecutions
        : Math.max(2, Math.min(cache, sizing.maxConcurrentWorkflowTaskExecutions)),
  };
}
