import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of a store: while up it pipes every connection through; while down it refuses them all. */
export interface StoreProxy {
  /** `http://127.0.0.1:<port>`: an endpoint URL for clients that must go through the proxy. */
  url: string;
  /** Connections accepted and destroyed at once while down. */
  readonly refused: number;
  /** Open client connections destroyed when the store went down (requests in flight lose their answer). */
  readonly cut: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (an `http://host:port` endpoint). Down is a real outage as a client sees it: the TCP
 * connection is reset, whatever the request was, and pooled keep-alive connections die with it.
 */
export async function startStoreProxy(target: string): Promise<StoreProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let isDown = false;
  let refused = 0;
  let cut = 0;
  const server = createServer((client) => {
    client.on('error', () => undefined);
    if (isDown) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    upstream.on('error', () => undefined);
    open.add(client);
    // Either side closing closes the other: the client sees the store's hang-up, the store the client's.
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('store proxy: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get refused() {
      return refused;
    },
    get cut() {
      return cut;
    },
    down() {
      isDown = true;
      for (const s of open) {
        if (!s.destroyed) cut++;
        s.destroy();
      }
    },
    up() {
      isDown = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
