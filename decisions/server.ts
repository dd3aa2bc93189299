import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createDecisionsApp, type DecisionsOptions } from './app';

/** A running long-lived decision service. */
export interface DecisionService {
  /** Where to reach it: the bound address, or 127.0.0.1 when bound to every interface. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

function reachableUrl({ address, port, family }: AddressInfo): string {
  if (address === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (address === '::') return `http://[::1]:${port}`;
  return family === 'IPv6' ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/**
 * The decision service as a long-lived HTTP server (app.ts behind `@hono/node-server`), bound to `host` (default
 * `DECISIONS_HOST`, 127.0.0.1) and `port` (default `DECISIONS_PORT`; 0 for any free port). Plain HTTP: put TLS
 * termination in front of it anywhere but a workstation (staff tokens travel in its requests).
 */
export async function startDecisionService(
  opts: DecisionsOptions & { port?: number; host?: string },
): Promise<DecisionService> {
  const app = createDecisionsApp(opts);
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const s = serve(
        {
          fetch: app.fetch,
          port: opts.port ?? opts.decisions.port,
          hostname: opts.host ?? opts.decisions.host,
          // Shares its process with the worker and sandboxes (`npm start`, tests): leave the globals alone.
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
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  (async () => {
    const { temporalEnv } = await import('../workers/config');
    const { loadProcessConfig } = await import('../workers/secrets');
    const { connectClient } = await import('../client/connect');
    const { dataConverterFor } = await import('../workers/data-converter');
    const { loadDecisionsConfig } = await import('./config');
    const config = await loadProcessConfig('decisions');
    const decisions = loadDecisionsConfig(config);
    const { client } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
    const service = await startDecisionService({ config, decisions, client });
    console.log(`[decisions] listening on ${service.url}`);
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
