import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import Stripe from 'stripe';
import { signBankPayload } from '../../activities/adapters/bank/webhook';
import type { IngressOptions } from '../../ingress/app';
import { createIngressHandler, type IngressHandler } from '../../ingress/lambda';
import { startIngress } from '../../ingress/server';
import { testClient, testConfig } from './stack';

/** The ingress's two front doors: every route test runs against both (`describe.each(INGRESS_DOORS)`). */
export type IngressDoorKind = 'server' | 'lambda';
export const INGRESS_DOORS: Array<[IngressDoorKind]> = [['server'], ['lambda']];

/** A running front door: an HTTP URL to post webhooks to, whichever door is behind it. */
export interface IngressDoor {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `kind` with the same app options. `server` is the long-lived server itself; `lambda` is the Lambda handler
 * behind a local stand-in for the function URL (`functionUrlFront`), so tests, sandboxes and chaos post to both alike.
 */
export async function startIngressDoor(kind: IngressDoorKind, opts: IngressOptions): Promise<IngressDoor> {
  if (kind === 'server') return startIngress(opts);
  return functionUrlFront(createIngressHandler(opts));
}

/**
 * A describe block's ingress through one front door on the dev server: a client connected and the door started with
 * `opts` (routes, fakes) before its tests, both stopped after them. Tests read `bed.client` and `bed.ingress`.
 */
export function ingressTestBed(kind: IngressDoorKind, opts: Omit<IngressOptions, 'config' | 'client'> = {}) {
  const config = testConfig();
  const bed = {
    config,
    client: undefined as unknown as IngressOptions['client'],
    ingress: undefined as unknown as IngressDoor,
  };
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const c = await testClient(config);
    bed.client = c.client;
    close = () => c.connection.close();
    bed.ingress = await startIngressDoor(kind, { ...opts, config, client: bed.client });
  });
  afterAll(async () => {
    await bed.ingress?.stop();
    await close?.();
  });
  return bed;
}

/** Content types a function URL passes as text; any other body (or none named) arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)\b|[^;]*\+(json|xml)\b)/i;

/** A Lambda function URL request event (payload format 2.0), as AWS builds it from an HTTP request. */
export function functionUrlEvent(req: {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}): APIGatewayProxyEventV2 {
  const all = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  // A function URL hands the request's cookies over as `cookies`, not as a Cookie header.
  const { cookie, ...headers } = all;
  const isBase64Encoded = req.body !== undefined && !TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.path,
    rawQueryString: req.query ?? '',
    headers: { host: 'abcdefgh.lambda-url.us-east-1.on.aws', ...headers },
    ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefgh',
      domainName: 'abcdefgh.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefgh',
      http: {
        method: req.method,
        path: req.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(req.body !== undefined && req.body.length > 0
      ? { body: req.body.toString(isBase64Encoded ? 'base64' : 'utf8'), isBase64Encoded }
      : { isBase64Encoded: false }),
  };
}

/** A Lambda context for one invocation (the ingress reads none of it, but the handler's contract passes it). */
export function lambdaContext(): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'payops-ingress',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:payops-ingress',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/payops-ingress',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * What AWS does in front of a function URL, on 127.0.0.1: each HTTP request becomes a format 2.0 event (binary bodies
 * base64-encoded), the handler is invoked in-process, and its result becomes the HTTP response.
 */
export async function functionUrlFront(handler: IngressHandler): Promise<IngressDoor> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://front');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      const body = await readAll(req);
      const event = functionUrlEvent({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        headers,
        body: body.length > 0 ? body : undefined,
      });
      const result = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
      const payload = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
      // A function URL turns the result's `cookies` into Set-Cookie headers, one each.
      res
        .writeHead(result.statusCode ?? 200, {
          ...(result.headers as Record<string, string>),
          ...(result.cookies?.length ? { 'set-cookie': result.cookies } : {}),
        })
        .end(payload);
    })().catch((err: unknown) => {
      // A throwing handler is what a function URL reports as 502: the tests see it as such.
      res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A webhook signed the way its provider signs: Stripe's scheme for the PSP, the bank's HMAC over `t.body`. */
export interface SignedWebhook {
  /** The signing secret (the ingress's, or another one to forge). */
  secret: string;
  /** Unix seconds of the signature (default now): an old one makes the webhook stale. */
  timestamp?: number;
  /** Extra headers, e.g. `x-bank-event-id` or a content type. */
  headers?: Record<string, string>;
  /** The body the signature covers when it is not the body sent: a request tampered with after signing. */
  signedBody?: string;
}

/** The one signed-request helper of the ingress tests: posts `body` to `<url>/webhooks/<source>`, signed. */
export function postSigned(url: string, source: 'psp' | 'bank', body: string, sign: SignedWebhook): Promise<Response> {
  const payload = sign.signedBody ?? body;
  const { secret, timestamp } = sign;
  const signature =
    source === 'psp'
      ? { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) }
      : { 'x-bank-signature': signBankPayload(payload, secret, timestamp) };
  const contentType = { 'content-type': source === 'psp' ? 'application/json' : 'application/xml' };
  return fetch(`${url}/webhooks/${source}`, {
    method: 'POST',
    body,
    headers: { ...contentType, ...signature, ...sign.headers },
  });
}
