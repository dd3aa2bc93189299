import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemorySample } from './worker-memory';

/** The worker's memory samples so far (bench/worker-memory.ts), oldest first. */
export function memorySamples(file: string): MemorySample[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as MemorySample);
  } catch {
    return [];
  }
}

/** Asks the worker for a sample after a full collection of every heap (`<file>.gc`) and waits for it. */
export async function collectedSample(file: string, timeoutMs = 60_000): Promise<MemorySample> {
  const before = memorySamples(file).length;
  writeFileSync(`${file}.gc`, '');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const samples = memorySamples(file);
    const at = samples.findIndex((s, i) => i >= before && s.gc);
    if (at >= 0) {
      // RSS from the last sample before the collection: the heap snapshot that forced it holds hundreds of MB itself.
      const prior = samples
        .slice(0, at)
        .filter((s) => !s.gc)
        .at(-1);
      return { ...samples[at]!, rssMiB: prior?.rssMiB ?? samples[at]!.rssMiB };
    }
    await sleep(200);
  }
  throw new Error('the worker gave no memory sample after a collection');
}

/** Waits until `ok` holds for `times` samples in a row (the worker samples every second). */
export async function untilSamples(
  file: string,
  ok: (s: MemorySample) => boolean,
  times = 3,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = memorySamples(file)
      .filter((s) => !s.gc)
      .slice(-times);
    if (last.length === times && last.every(ok)) return;
    await sleep(500);
  }
  throw new Error('the worker did not reach the state the memory phase waits for');
}

/** What a cached workflow and an activity in flight hold, live (after full collections), and the samples behind it. */
export interface MemoryFigures {
  /** Idle worker (cache empty, nothing in flight), after a full collection. */
  base: Pick<
    MemorySample,
    'rssMiB' | 'mainUsedMiB' | 'mainHeapMiB' | 'externalMiB' | 'workflowsUsedMiB' | 'workflowsHeapMiB' | 'cached'
  >;
  cachedWorkflows: number;
  /** The workflow thread's live heap per cached payout (parked in its return window), KiB. */
  heapPerCachedWorkflowKiB: number;
  /** RSS per cached payout, KiB (heap, the SDK core's per-run state, allocator slack). */
  rssPerCachedWorkflowKiB: number;
  activitiesInFlight: number;
  /** The main thread's live heap per activity in flight (a PSP call waiting on its answer), KiB. */
  heapPerActivityKiB: number;
  rssPerActivityKiB: number;
}

const perKiB = (deltaMiB: number, n: number) => Math.round((Math.max(0, deltaMiB) * 1024) / Math.max(1, n));

/** Figures from three collected samples: idle, with `cached` payouts parked, with `inFlight` PSP calls waiting. */
export function memoryFigures(
  base: MemorySample,
  withCache: MemorySample,
  cached: number,
  withActivities: MemorySample,
  inFlight: number,
): MemoryFigures {
  return {
    base: {
      rssMiB: base.rssMiB,
      mainUsedMiB: base.mainUsedMiB,
      mainHeapMiB: base.mainHeapMiB,
      externalMiB: base.externalMiB,
      workflowsUsedMiB: base.workflowsUsedMiB,
      workflowsHeapMiB: base.workflowsHeapMiB,
      cached: base.cached,
    },
    cachedWorkflows: cached,
    heapPerCachedWorkflowKiB: perKiB(withCache.workflowsUsedMiB - base.workflowsUsedMiB, cached),
    rssPerCachedWorkflowKiB: perKiB(withCache.rssMiB - base.rssMiB, cached),
    activitiesInFlight: inFlight,
    heapPerActivityKiB: perKiB(withActivities.mainUsedMiB - withCache.mainUsedMiB, inFlight),
    rssPerActivityKiB: perKiB(withActivities.rssMiB - withCache.rssMiB, inFlight),
  };
}
