import type http from 'node:http';

/** Fault injection shared by the sandboxes: transport faults, fault counters, and the hung-then-dropped request. */

/** The transport faults every sandbox can inject (counters are used up one call at a time). */
export interface TransportFaults {
  latencyMs: number;
  fail5xxNext: number;
  timeoutNext: number;
  /** How long a timed-out request is held before its socket is dropped. */
  hangMs: number;
}

export const TRANSPORT_FAULT_KEYS = ['latencyMs', 'fail5xxNext', 'timeoutNext', 'hangMs'] as const;

export const noTransportFaults = (): TransportFaults => ({
  latencyMs: 0,
  fail5xxNext: 0,
  timeoutNext: 0,
  hangMs: 30_000,
});

/**
 * Holds a request open past any sensible client timeout, then drops the socket without answering: what a
 * client sees when the provider is slow and the connection dies. Ends early when the client gives up.
 */
export function hangThenDrop(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  hangMs: number,
  timers: Set<NodeJS.Timeout>,
): void {
  const t = setTimeout(() => {
    timers.delete(t);
    res.socket?.destroy();
  }, hangMs);
  timers.add(t);
  req.socket.once('close', () => {
    clearTimeout(t);
    timers.delete(t);
  });
}

/** A counter fault (`fail5xxNext: 2`): true while it has shots left, consuming one each time. */
export function take<T extends object>(faults: T, key: keyof T & string): boolean {
  const rec = faults as Record<string, unknown>;
  const n = rec[key];
  if (typeof n === 'number' && n > 0) {
    rec[key] = n - 1;
    return true;
  }
  return false;
}

export function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Merges the numeric fields `keys` of an admin body into `target`; absent or ill-typed fields keep their value. */
export function mergeNumbers<T extends object>(
  target: T,
  b: Record<string, unknown>,
  keys: readonly (keyof T & string)[],
): void {
  const rec = target as Record<string, unknown>;
  for (const k of keys) rec[k] = num(b[k], rec[k] as number);
}
