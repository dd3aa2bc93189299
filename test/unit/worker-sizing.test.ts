import { loadConfig } from '../../workers/config';
import {
  MEMORY_MODEL,
  PLANNED_PEAK_SHARE,
  sizedWorkerOptions,
  workerMemoryMb,
  workerSizing,
} from '../../workers/worker-sizing';

const MEMORIES = [128, 256, 512, 768, 1_024, 1_536, 1_769, 2_048, 3_008, 4_096, 10_240];

describe('the worker sizes its cache and concurrency from its memory', () => {
  test.each(MEMORIES)('when the worker has %i MB, then its planned peak fits half of it', (mb) => {
    const s = workerSizing(mb);
    // Below 768 MB the floors (the idle worker, a cache of 10, 2 activities per queue) exceed half the memory.
    if (mb >= 768) expect(s.plannedPeakMiB).toBeLessThanOrEqual(mb * PLANNED_PEAK_SHARE);
    expect(s.maxConcurrentWorkflowTaskExecutions).toBeLessThanOrEqual(s.maxCachedWorkflows);
    expect(s.maxConcurrentWorkflowTaskExecutions).toBeGreaterThanOrEqual(2);
    expect(s.maxConcurrentActivityTaskExecutions).toBeGreaterThanOrEqual(2);
    expect(s.maxCachedWorkflows).toBeGreaterThanOrEqual(10);
  });

  test('when the memory grows, then no limit shrinks', () => {
    const sizes = MEMORIES.map(workerSizing);
    for (let i = 1; i < sizes.length; i++) {
      const [a, b] = [sizes[i - 1]!, sizes[i]!];
      expect(b.maxCachedWorkflows).toBeGreaterThanOrEqual(a.maxCachedWorkflows);
      expect(b.maxConcurrentActivityTaskExecutions).toBeGreaterThanOrEqual(a.maxConcurrentActivityTaskExecutions);
      expect(b.maxConcurrentWorkflowTaskExecutions).toBeGreaterThanOrEqual(a.maxConcurrentWorkflowTaskExecutions);
    }
  });

  test('when the worker has 1,024 MB, then its cache stays far below the SDK default of a large host', () => {
    const s = workerSizing(1_024);
    // The plan's live figures: what the cache and the activities hold, times the garbage V8 lets accumulate.
    const live = s.maxCachedWorkflows * MEMORY_MODEL.perCachedWorkflowMiB;
    expect(MEMORY_MODEL.baseMiB + MEMORY_MODEL.garbageFactor * live).toBeLessThanOrEqual(512);
    expect(s.maxCachedWorkflows).toBeLessThan(1_000);
  });

  test('when the worker has 1,024 MB, then both heaps together stay under the memory with room for native memory', () => {
    const { nodeOptions } = workerSizing(1_024);
    const old = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    const semi = Number(/--max-semi-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    // Two isolates (main, workflows), each an old generation and three semi-spaces of young generation at most.
    expect(2 * (old + 3 * semi)).toBeLessThanOrEqual(1_024 * 0.75);
    // The live cache fits its isolate's ceiling with room to collect.
    const s = workerSizing(1_024);
    expect(MEMORY_MODEL.garbageFactor * s.maxCachedWorkflows * MEMORY_MODEL.perCachedWorkflowMiB).toBeLessThan(old);
  });

  test('when the memory is not a size, then it is refused naming memoryMb', () => {
    expect(() => workerSizing(Number.NaN)).toThrow(/memoryMb/);
    expect(() => workerSizing(64)).toThrow(/memoryMb/);
  });
});

describe('the memory comes from config', () => {
  test('when WORKER_MEMORY_MB is set, then it wins over the Lambda function memory', () => {
    const config = loadConfig({ WORKER_MEMORY_MB: '2048', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' });
    expect(workerMemoryMb(config)).toBe(2_048);
  });

  test('when only Lambda sets its memory, then the worker sizes itself from the function', () => {
    const config = loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '768' });
    expect(sizedWorkerOptions(config)).toEqual(
      (({ plannedPeakMiB: _p, nodeOptions: _n, mallocArenaMax: _m, ...rest }) => rest)(workerSizing(768)),
    );
  });

  test('when nothing is set, then the worker plans for 1,024 MB', () => {
    expect(workerMemoryMb(loadConfig({}))).toBe(1_024);
  });

  test('when WORKER_MAX_CACHED_WORKFLOWS is set, then the cache is that and workflow tasks never exceed it', () => {
    const options = sizedWorkerOptions(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '3' }));
    expect(options.maxCachedWorkflows).toBe(3);
    expect(options.maxConcurrentWorkflowTaskExecutions).toBeLessThanOrEqual(3);
  });

  test('when the cache is turned off, then workflow tasks keep the sized concurrency', () => {
    const options = sizedWorkerOptions(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }));
    expect(options.maxCachedWorkflows).toBe(0);
    expect(options.maxConcurrentWorkflowTaskExecutions).toBe(workerSizing(1_024).maxConcurrentWorkflowTaskExecutions);
  });

  test('when WORKER_MEMORY_MB is below 128, then config refuses it naming the variable', () => {
    expect(() => loadConfig({ WORKER_MEMORY_MB: '64' })).toThrow(/WORKER_MEMORY_MB/);
  });
});
