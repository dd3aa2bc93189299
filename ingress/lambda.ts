import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { connectClient } from '../client/connect';
import { dataConverterFor } from '../workers/data-converter';
import { temporalEnv } from '../workers/config';
import { loadProcessConfig } from '../workers/secrets';
import { createIngressApp, type IngressOptions } from './app';

/** The ingress's Lambda handler: a function URL event (payload format 2.0) in, its HTTP result out. */
export type IngressHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/**
 * The ingress app (app.ts) behind a Lambda function URL. `hono/aws-lambda` turns the event into a Request: a body
 * the function URL base64-encoded (`isBase64Encoded`, which it does for every non-text content type) is decoded to
 * its original bytes before the signature check sees it, and `content-length` is set from them, so the 1 MB cap holds.
 */
export function createIngressHandler(opts: IngressOptions): IngressHandler {
  // `handle` is typed for every Lambda HTTP event kind; a function URL only ever sends format 2.0.
  return handle(createIngressApp(opts)) as IngressHandler;
}

/** What an invocation answers while the container cannot serve: the provider retries on any 5xx. */
const unavailable: APIGatewayProxyResultV2 = {
  statusCode: 503,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: 'temporarily unavailable' }),
};

let cached: Promise<IngressHandler> | undefined;

/** Configuration and secrets (Secrets Manager, once) and the Temporal client (one connection) for this container. */
async function containerHandler(): Promise<IngressHandler> {
  const config = await loadProcessConfig('ingress');
  const { client } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
  return createIngressHandler({ config, client });
}

/**
 * The Lambda entry point (`index.handler` in the ingress artefact, behind the function URL). The first invocation of
 * a container loads the configuration and connects; later ones reuse both. A failed start (a missing secret, Temporal
 * unreachable) answers 503, logged without secret values, and is tried again on the next invocation.
 */
export const handler: IngressHandler = async (event, context) => {
  cached ??= containerHandler();
  let run: IngressHandler;
  try {
    run = await cached;
  } catch (err) {
    cached = undefined;
    console.error('[ingress] cannot start; answering 503:', err instanceof Error ? err.message : err);
    return unavailable;
  }
  return run(event, context);
};
