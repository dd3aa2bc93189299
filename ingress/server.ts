import type { Hono } from 'hono';
import { listen, type RunningHttpServer } from '../workers/http-server';
import { createIngressApp, type IngressOptions } from './app';

/** A running long-lived ingress (`host`: `INGRESS_HOST`, e.g. `127.0.0.1`, or `0.0.0.0` in a container). */
export type Ingress = RunningHttpServer;

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
  return listen((req, env) => closingRefusals(app, req, env), opts.port ?? 0, opts.host ?? opts.config.INGRESS_HOST);
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
