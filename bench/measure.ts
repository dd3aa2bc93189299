import { readFileSync } from 'node:fs';

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

/** CPU seconds used so far by each process of the stack (utime + stime from /proc), to show where a phase's time goes. */
export function cpuMeter(pids: Record<string, number>) {
  const ticks = 100; // USER_HZ on Linux
  const read = (): Record<string, number> =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        try {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
          return [name, (Number(fields[11]) + Number(fields[12])) / ticks];
        } catch {
          return [name, 0];
        }
      }),
    );
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
): Promise<{ perSec: number; latencies: number[] }> {
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
  return { perSec: count / ((Date.now() - began) / 1000), latencies };
}
