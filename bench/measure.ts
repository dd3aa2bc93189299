import { readdirSync, readFileSync } from 'node:fs';

/** One phase's figures, as the bench prints them and puts in its JSON line. */
export interface Figures {
  completionsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  workerPeakRssMiB: number;
  maxHistoryEvents: number;
  cpuMsPerWorkflow: Record<string, number>;
}

export const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
export const log = (line: string) => console.log(`[bench] ${line}`);

export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export function rssSampler(pid: number) {
  let peak = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // process gone
    }
  };
  const timer = setInterval(read, 200);
  return {
    reset: () => {
      read();
      peak = 0;
    },
    peakMiB: () => (read(), Math.round(peak / 1024 / 1024)),
    stop: () => clearInterval(timer),
  };
}

/** A process's CPU seconds so far (utime + stime from /proc; USER_HZ 100 on Linux), or 0 once it is gone. */
function cpuSeconds(statPath: string): number {
  try {
    const fields = readFileSync(statPath, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * The worker's threads by what they run, from their names: `main` (activities, the SDK's glue, the payload codec),
 * `workflows` (the workflow sandbox threads), `v8` (garbage collection and compile helpers) and `core` (the SDK's
 * Rust core and libuv). A thread that has exited is not listed any more: the process total keeps its time.
 */
function threadKind(comm: string): string {
  if (comm === 'MainThread') return 'main';
  if (comm === 'WorkerThread') return 'workflows';
  if (comm.startsWith('V8') || comm.startsWith('DelayedTask')) return 'v8';
  return 'core';
}
function threadCpuSeconds(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const kind = `worker.${threadKind(comm)}`;
      out[kind] = (out[kind] ?? 0) + cpuSeconds(`/proc/${pid}/task/${tid}/stat`);
    }
  } catch {
    // process gone
  }
  return out;
}

/**
 * CPU seconds used so far by each process of the stack, to show where a phase's time goes; the worker's also by
 * thread kind (`worker.main`, `worker.workflows`, `worker.v8`, `worker.core`).
 */
export function cpuMeter(pids: Record<string, number>, opts: { threadsOf?: string } = {}) {
  const read = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(`/proc/${pid}/stat`)])),
    ...(opts.threadsOf ? threadCpuSeconds(pids[opts.threadsOf] ?? 0) : {}),
  });
  let last = read();
  /** CPU milliseconds per workflow by process since the previous call. */
  return (workflows: number): Record<string, number> => {
    const now = read();
    const out = Object.fromEntries(
      Object.entries(now).map(([name, secs]) => [
        name,
        Math.round(((secs - (last[name] ?? 0)) * 1000) / Math.max(1, workflows)),
      ]),
    );
    last = now;
    return out;
  };
}
export const showCpu = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

export async function timeWorkflows(
  count: number,
  start: (i: number) => Promise<{ result(): Promise<unknown> }>,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  const began = Date.now();
  await pool(
    Array.from({ length: count }, (_, i) => i),
    Math.min(count, 200),
    async (i) => {
      const t0 = Date.now();
      const handle = await start(i);
      await handle.result();
      latencies.push(Date.now() - t0);
    },
  );
  return { seconds: (Date.now() - began) / 1000, latencies };
}
