import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { connectClient } from '../client/connect';
import { dataConverterFor } from '../workers/data-converter';
import { temporalEnv } from '../workers/config';
import { loadProcessConfig } from '../workers/secrets';
import { createDecisionsApp, type DecisionsOptions } from './app';
import { loadDecisionsConfig } from './config';
import { loadConsoleConfigWithSecrets } from './console/config';
import { reportsSourceFor } from './reports/athena-source';

/** The decision service's Lambda handler: a function URL event (payload format 2.0) in, its HTTP result out. */
export type DecisionsHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/**
 * The decision service app (app.ts) behind a Lambda function URL. Its reports read Athena when the workgroup and
 * database are configured (reports/athena-source.ts; DuckDB comes from the function's layer), else answer 503.
 */
export function createDecisionsHandler(opts: DecisionsOptions): DecisionsHandler {
  const reports = opts.reports ?? reportsSourceFor(opts.config, opts.decisions);
  // `handle` is typed for every Lambda HTTP event kind; a function URL only ever sends format 2.0.
  return handle(createDecisionsApp({ ...opts, ...(reports ? { reports } : {}) })) as DecisionsHandler;
}

const unavailable: APIGatewayProxyResultV2 = {
  statusCode: 503,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: 'temporarily unavailable' }),
};

let cached: Promise<DecisionsHandler> | undefined;

/** Configuration, the Temporal credential (Secrets Manager, once) and the Temporal client for this container. */
async function containerHandler(): Promise<DecisionsHandler> {
  const config = await loadProcessConfig('decisions');
  const decisions = loadDecisionsConfig(config);
  const { client } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
  return createDecisionsHandler({ config, decisions, client, console: await loadConsoleConfigWithSecrets(config) });
}

/**
 * The Lambda entry point (`index.handler` in the decisions artefact, behind the function URL). The first invocation
 * of a container loads the configuration and connects; later ones reuse both. A failed start answers 503 (logged
 * without secret values) and is tried again on the next invocation.
 */
export const handler: DecisionsHandler = async (event, context) => {
  cached ??= containerHandler();
  let run: DecisionsHandler;
  try {
    run = await cached;
  } catch (err) {
    cached = undefined;
    console.error('[decisions] cannot start; answering 503:', err instanceof Error ? err.message : err);
    return unavailable;
  }
  return run(event, context);
};
