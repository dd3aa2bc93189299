import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** A long-lived HTTP server of one of the product's hono apps (the ingress, the decision service). */
export interface RunningHttpServer {
  /** Where to reach it: the bound address, or loopback when bound to every interface. */
  url: string;
  port: number;
  host: string;
  /** Resolves even when already stopped: callers stop in cleanup paths that may repeat. */
  stop(): Promise<void>;
}

function reachableUrl({ address, port, family }: AddressInfo): string {
  if (address === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (address === '::') return `http://[::1]:${port}`;
  return family === 'IPv6' ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/**
 * Serves `fetch` with `@hono/node-server` on `hostname:port` (0: any free port) and resolves once it listens. Plain
 * HTTP: TLS terminates in front of it anywhere but a workstation.
 */
export async function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  hostname: string,
): Promise<RunningHttpServer> {
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const s = serve(
        // These servers share their process with the worker and the sandboxes (`npm start`, tests): leave the global
        // Request/Response alone rather than swap in node-server's faster look-alikes for everyone.
        { fetch, port, hostname, overrideGlobalObjects: false },
        (info) => resolve({ server: s, address: info }),
      );
      s.once('error', reject);
    },
  );
  return {
    url: reachableUrl(address),
    port: address.port,
    host: address.address,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
