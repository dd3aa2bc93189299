import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { bearerCheck, type CodecServerSettings } from './server-settings';

const MAX_BODY_BYTES = 8_000_000;

/** A payload as proto3 JSON: metadata values and data in base64 (what the Web UI and the CLI send). */
interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data != null ? Buffer.from(p.data, 'base64') : undefined,
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

async function readPayloads(req: IncomingMessage): Promise<Payload[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  let body: { payloads?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: unknown };
  } catch {
    throw new HttpError(400, 'body must be JSON {"payloads":[...]}');
  }
  // Proto3 JSON leaves an empty repeated field out: the CLI encodes a query without arguments as `{}`.
  if (body && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return [];
  if (!Array.isArray(body?.payloads)) throw new HttpError(400, 'body must be JSON {"payloads":[...]}');
  return (body.payloads as JsonPayload[]).map(fromJson);
}

export interface CodecServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The codec server (Temporal's remote codec protocol): `POST …/encode` and `…/decode` with `{payloads:[…]}` as proto3
 * JSON, the `X-Namespace` header naming the namespace. CORS answers the Web UI's origins, preflight included; outside
 * local mode every call needs a valid staff token. It logs nothing about payloads.
 */
export async function startCodecServer(opts: {
  codec: PayloadCodec;
  settings: CodecServerSettings;
  /** Told of every request that failed unexpectedly (a 500); the process logs it (`workers/codec-server.ts`). */
  reportFailure: (err: Error) => void;
}): Promise<CodecServer> {
  const { codec, settings, reportFailure } = opts;
  const authorize = bearerCheck(settings.auth);
  const cors = (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (!origin) return true;
    if (!settings.corsOrigins.includes(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      if (!cors(req, res)) throw new HttpError(403, 'origin not allowed');
      const path = new URL(req.url ?? '/', 'http://codec').pathname;
      if (req.method === 'GET' && path === '/healthz') return reply(200, { ok: true });
      const op = path.endsWith('/encode') ? 'encode' : path.endsWith('/decode') ? 'decode' : undefined;
      if (!op) throw new HttpError(404, 'unknown endpoint: use /encode or /decode');
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
      if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
      const refused = await authorize(req.headers.authorization, op);
      if (refused) throw new HttpError(refused.status, refused.reason);
      const namespace = req.headers['x-namespace'];
      if (namespace !== undefined && namespace !== settings.namespace) {
        throw new HttpError(403, `this codec server serves namespace ${settings.namespace}`);
      }
      const payloads = await readPayloads(req);
      try {
        const out = op === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        return reply(200, { payloads: out.map(toJson) });
      } catch (err) {
        throw new HttpError(422, `cannot ${op}: ${(err as Error).message}`);
      }
    } catch (err) {
      if (err instanceof HttpError) return reply(err.status, { error: err.message });
      reportFailure(err as Error);
      return reply(500, { error: 'internal error' });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
