import { listen, type RunningHttpServer } from '../workers/http-server';
import { createDecisionsApp, type DecisionsOptions } from './app';
import { reportsSourceFor } from './reports/athena-source';
import { localReportsSource } from './reports/local-source';

/** A running long-lived decision service. */
export type DecisionService = RunningHttpServer;

/**
 * The decision service as a long-lived HTTP server (app.ts behind `@hono/node-server`), bound to `host` (default
 * `DECISIONS_HOST`, 127.0.0.1) and `port` (default `DECISIONS_PORT`; 0 for any free port). Plain HTTP: put TLS
 * termination in front of it anywhere but a workstation (staff tokens travel in its requests).
 */
export async function startDecisionService(
  opts: DecisionsOptions & { port?: number; host?: string },
): Promise<DecisionService> {
  // Athena when configured; else locally DuckDB over the mirrored bucket (never on the Lambda: reports/local-source.ts).
  const reports = opts.reports ?? reportsSourceFor(opts.config, opts.decisions, () => localReportsSource(opts.config));
  const app = createDecisionsApp({ ...opts, ...(reports ? { reports } : {}) });
  return listen(app.fetch, opts.port ?? opts.decisions.port, opts.host ?? opts.decisions.host);
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
    const { loadConsoleConfigWithSecrets } = await import('./console/config');
    const service = await startDecisionService({
      config,
      decisions,
      client,
      console: await loadConsoleConfigWithSecrets(config),
    });
    console.log(`[decisions] listening on ${service.url}`);
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
