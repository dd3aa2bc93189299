/**
 * The worker function's process settings for its memory, in step with the worker's own sizing
 * (workers/worker-sizing.ts#workerSizing: `nodeOptions`, `mallocArenaMax`; the worker sizes its cache and concurrency
 * from `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` itself). V8's limits apply per isolate (the main thread and the workflow
 * thread): an old generation of 30 % of the memory and small semi-spaces make V8 collect before the heaps fill the
 * function; two malloc arenas keep what the SDK's threads free for reuse (docs/benchmark-and-faults.md, "Worker memory").
 */
export function workerProcessEnv(memoryMb: number): { NODE_OPTIONS: string; MALLOC_ARENA_MAX: string } {
  const maxOldSpaceMb = Math.max(128, Math.floor(memoryMb * 0.3));
  const maxSemiSpaceMb = memoryMb <= 2_048 ? 8 : 16;
  return {
    NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${maxOldSpaceMb} --max-semi-space-size=${maxSemiSpaceMb}`,
    MALLOC_ARENA_MAX: '2',
  };
}
