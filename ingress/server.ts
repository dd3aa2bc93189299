import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createIngressApp, type IngressOptions } from './app';

/** A running long-lived ingress. */
export interface Ingress {
  /** Where to reach it: the bound address, or 127.0.0.1 when bound to every interface. */
  url: string;
  port: number;
  /** The address it is bound to (`INGRESS_HOST`, e.g. `127.0.0.1`, or `0.0.0.0` in a container). */
  host: string;
  stop(): Promise<void>;
}

/** A wildcard bind answers on loopback too: the URL a local caller (a test, a sandbox) can use. */
function reachableUrl({ address, port, family }: AddressInfo): string {
  if (address === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (address === '::') return `http://[::1]:${port}`;
  return family === 'IPv6' ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/**
 * A 413 is answered before the rest of the body is read, so the connection cannot serve another request: say so
 * (`Connection: close`), or a client that pools connections (the providers' HTTP clients, fetch) reuses it and fails.
 */
async function closingRefusals(app: Hono, req: Request, env: unknown): Promise<Response> {
  const res = await app.fetch(req, env);
  if (res.status !== 413) return res;
  const headers = new Headers(res.headers);
  headers.set('connection', 'close');
  return new Response(res.body, { status: res.status, headers });
}

/**
 * The webhook ingress as a long-lived HTTP server (the app in app.ts behind `@hono/node-server`), bound to `host`
 * (default `INGRESS_HOST`, 127.0.0.1) and `port` (default 0: any free port; `npm run ingress` passes
 * `INGRESS_PORT`). Put TLS termination in front of it: it speaks plain HTTP.
 */
export async function startIngress(opts: IngressOptions & { port?: number; host?: string }): Promise<Ingress> {
  const app = createIngressApp(opts);
  const hostname = opts.host ?? opts.config.INGRESS_HOST;
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const s = serve(
        {
          fetch: (req, env) => closingRefusals(app, req, env),
          port: opts.port ?? 0,
          hostname,
          // The ingress shares its process with the worker, sandboxes and codec server (`npm start`, tests): leave the
          // global Request/Response alone rather than swap in node-server's faster look-alikes for everyone.
          overrideGlobalObjects: false,
        },
        (info) => resolve({ server: s, address: info }),
      );
      s.once('error', reject);
    },
  );
  return {
    url: reachableUrl(address),
    port: address.port,
    host: address.address,
    // Resolves even when already stopped: callers (tests, `npm start`, chaos) stop in cleanup paths that may repeat.
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  (async () => {
    const { temporalEnv } = await import('../workers/config');
    const { loadProcessConfig } = await import('../workers/secrets');
    const { connectClient } = await import('../client/connect');
    const { dataConverterFor } = await import('../workers/data-converter');
    // Outside local mode: real webhook secrets (or their Secrets Manager ARNs) or no start.
    const config = await loadProcessConfig('ingress');
    const { client } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
    const ingress = await startIngress({ config, client, port: config.INGRESS_PORT });
    console.log(`[ingress] listening on ${ingress.host}:${ingress.port} (${ingress.url})`);
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
