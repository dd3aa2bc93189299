import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Small plumbing shared by the bank and PSP sandboxes: body reading, replies, listen/stop, and timing faults. */

export function readBody(req: http.IncomingMessage, limitBytes = 1_000_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limitBytes) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(value), 'application/json', headers);
}

export function parseJson(body: string): Record<string, unknown> {
  if (!body.trim()) return {};
  const v: unknown = JSON.parse(body);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Listens on 127.0.0.1 only and returns the bound port (port 0 = ephemeral). */
export async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A running sandbox: where it listens and how to stop it. */
export interface RunningSandbox {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and returns the sandbox handle; `stop` cancels the pending `timers` (scheduled webhooks,
 * settlements), runs `onStop` (e.g. the webhook dispatcher) and closes the server.
 */
/** Runs `fn` after `ms`, tracked in `timers` so a reset or stop can cancel it. */
export function schedule(timers: Set<NodeJS.Timeout>, fn: () => void, ms: number): void {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}

export function clearTimers(timers: Set<NodeJS.Timeout>): void {
  for (const t of timers) clearTimeout(t);
  timers.clear();
}

export async function serve(
  server: http.Server,
  port: number | undefined,
  timers: Set<NodeJS.Timeout> = new Set(),
  onStop?: () => Promise<void>,
): Promise<RunningSandbox> {
  const bound = await listen(server, port ?? 0);
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    async stop() {
      clearTimers(timers);
      await onStop?.();
      await close(server);
    },
  };
}

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
