import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Plumbing shared by the sandboxes: body reading, replies, listen/stop, timers, and the server with its admin API. */

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

/**
 * Listens on 127.0.0.1 and returns the sandbox handle; `stop` cancels the pending `timers` (scheduled webhooks,
 * settlements), runs `onStop` (e.g. the webhook dispatcher) and closes the server.
 */
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

/** A route handler; `path` has no query string unless the API asked to keep it. */
export type SandboxHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  method: string,
  path: string,
) => Promise<void>;

/** A JSON answer of an admin route. */
export interface JsonReply {
  status: number;
  body: unknown;
}

/**
 * The admin API (JSON, no auth, under `/__admin/`) every sandbox has: `POST /__admin/reset`, `POST /__admin/faults`
 * (merge; answers `setFaults`' value), `DELETE /__admin/faults` (answers `clearFaults`' value), `GET /__admin/calls`.
 * `routes` answers the sandbox's own admin routes, undefined when it has none for the request (404).
 */
export interface AdminApi {
  reset(): void;
  setFaults(b: Record<string, unknown>): unknown;
  clearFaults(): unknown;
  calls(): unknown;
  routes?(
    method: string,
    path: string,
    b: Record<string, unknown>,
  ): Promise<JsonReply | undefined> | JsonReply | undefined;
}

export interface SandboxServerOptions {
  port?: number;
  /** The product-facing API: requests whose path starts with `prefix`; `withQuery` keeps the query in `path`. */
  api: { prefix: string; handle: SandboxHandler; withQuery?: boolean };
  admin: AdminApi;
  /** The reply to an unexpected error (a bad admin body, a handler bug); defaults to 400 / 500 `{ error: message }`. */
  onError?: (res: http.ServerResponse, message: string, where: 'api' | 'admin') => void;
  /** Pending timers to cancel on stop; `onStop` runs before the server closes (e.g. the webhook dispatcher). */
  timers?: Set<NodeJS.Timeout>;
  onStop?: () => Promise<void>;
}

const defaultOnError = (res: http.ServerResponse, message: string, where: 'api' | 'admin') =>
  sendJson(res, where === 'admin' ? 400 : 500, { error: message });

/** Routes `/__admin/` to the admin API and the API's prefix to its handler (anything else: 404), then listens. */
export function sandboxServer(opts: SandboxServerOptions): Promise<RunningSandbox> {
  const { api, admin, onError = defaultOnError } = opts;
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const where = path.startsWith('/__admin/') ? 'admin' : path.startsWith(api.prefix) ? 'api' : undefined;
    if (!where) return send(res, 404, 'not found', 'text/plain');
    const handled =
      where === 'admin'
        ? handleAdmin(admin, req, res, method, path)
        : api.handle(req, res, method, api.withQuery ? url : path);
    handled.catch((err: unknown) => onError(res, err instanceof Error ? err.message : String(err), where));
  });
  return serve(server, opts.port, opts.timers, opts.onStop);
}

async function handleAdmin(
  admin: AdminApi,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  method: string,
  path: string,
): Promise<void> {
  const b = parseJson(await readBody(req));
  if (method === 'POST' && path === '/__admin/reset') {
    admin.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (method === 'POST' && path === '/__admin/faults') return sendJson(res, 200, admin.setFaults(b));
  if (method === 'DELETE' && path === '/__admin/faults') return sendJson(res, 200, admin.clearFaults());
  if (method === 'GET' && path === '/__admin/calls') return sendJson(res, 200, admin.calls());
  const r = await admin.routes?.(method, path, b);
  if (r) return sendJson(res, r.status, r.body);
  return sendJson(res, 404, { error: `unknown admin route ${method} ${path}` });
}
