import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AuditPort } from '../activities/adapters/audit/port';
import { createDynamoAudit } from '../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../activities/adapters/aws';
import { createAwsNotifications } from '../activities/adapters/notifications/aws-notifications';
import type { NotificationsPort } from '../activities/adapters/notifications/port';
import { awsOptions, requireSecrets, type AppConfig } from '../workers/config';
import type { Delivery, RouteDeps, VerifiedEvent, WebhookRoute } from './deliveries';
import { parkForOps } from './parking';
import { routes as defaultRoutes } from './routes';
import { acceptedSecrets, HttpError, verifyBank, verifyPsp } from './verify';

const MAX_BODY_BYTES = 1_000_000;

export interface Ingress {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type Outcome = 'delivered' | 'parked';

async function deliver(client: Client, config: AppConfig, delivery: Delivery): Promise<'delivered' | 'closed'> {
  if (delivery.start) {
    await client.workflow.signalWithStart(delivery.start.workflowType, {
      workflowId: delivery.workflowId,
      taskQueue: delivery.start.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
      args: delivery.start.args,
      signal: delivery.signal,
      signalArgs: delivery.signalArgs,
    });
    return 'delivered';
  }
  try {
    await client.workflow.getHandle(delivery.workflowId).signal(delivery.signal, ...delivery.signalArgs);
    return 'delivered';
  } catch (err) {
    // Signalling a workflow that has completed, failed or been terminated fails as "not found" too.
    if (err instanceof WorkflowNotFoundError) return 'closed';
    throw err;
  }
}

/**
 * An event for a workflow that is closed (or never ran) must not be lost: a return after completion is parked for
 * ops in the `late-rail-events` audit stream and published as `payout.late_event` (`webhook.late_event` for other
 * domains) before the provider gets its 200.
 */
async function deliverOrPark(
  client: Client,
  config: AppConfig,
  deps: RouteDeps,
  event: VerifiedEvent,
  delivery: Delivery,
): Promise<Outcome> {
  if ((await deliver(client, config, delivery)) === 'delivered') return 'delivered';
  await parkForOps(deps, {
    stream: 'late-rail-events',
    eventId: `${event.eventId}:${delivery.workflowId}`,
    type: delivery.workflowId.startsWith('payout-') ? 'payout.late_event' : 'webhook.late_event',
    data: {
      workflowId: delivery.workflowId,
      signal: delivery.signal,
      source: event.source,
      providerEventId: event.eventId,
      eventType: event.type,
      signalArgs: delivery.signalArgs,
    },
  });
  return 'parked';
}

/**
 * The webhook ingress: verify signature → drop duplicates by event ID → route → signal or
 * signalWithStart (or park for ops when the workflow has closed) → remember the event ID. Temporal unavailable
 * answers 503 so the provider retries; workflows dedupe by event ID as well, so a redelivery after a crash changes
 * nothing.
 */
export async function startIngress(opts: {
  config: AppConfig;
  client: Client;
  port?: number;
  audit?: AuditPort;
  notifications?: Pick<NotificationsPort, 'publishEvent'>;
  routes?: WebhookRoute[];
}): Promise<Ingress> {
  const { config, client } = opts;
  requireSecrets(config, 'ingress');
  const aws = makeAwsClients(awsOptions(config));
  const audit = opts.audit ?? createDynamoAudit({ aws, table: config.AUDIT_TABLE });
  const account = config.PAYOPS_MODE === 'local' ? '123456789012' : config.AWS_ACCOUNT_ID;
  const notifications =
    opts.notifications ??
    createAwsNotifications({
      aws,
      fromEmail: config.NOTIFY_FROM_EMAIL,
      topicArn: `arn:aws:sns:${config.AWS_REGION}:${account}:${config.EVENTS_TOPIC_NAME}`,
    });
  const deps: RouteDeps = { audit, notifications };
  const routes = opts.routes ?? defaultRoutes;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET' && req.url === '/healthz') return reply(200, { ok: true });
      if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
      const body = await readBody(req);
      let event: VerifiedEvent;
      if (req.url === '/webhooks/psp') event = verifyPsp(body, req, acceptedSecrets(config, 'PSP_WEBHOOK_SECRET'));
      else if (req.url === '/webhooks/bank')
        event = verifyBank(body, req, acceptedSecrets(config, 'BANK_WEBHOOK_SECRET'));
      else throw new HttpError(404, 'unknown endpoint');

      const stream = `webhook:${event.source}`;
      if (await audit.get(stream, event.eventId)) return reply(200, { eventId: event.eventId, duplicate: true });

      const deliveries = (await Promise.all(routes.map((route) => route(event, deps)))).flat();
      const outcomes: Outcome[] = [];
      for (const delivery of deliveries) outcomes.push(await deliverOrPark(client, config, deps, event, delivery));
      await audit.append({
        stream,
        eventId: event.eventId,
        at: new Date().toISOString(),
        type: event.type,
        data: {
          deliveries: deliveries.map((d, i) => ({ workflowId: d.workflowId, signal: d.signal, outcome: outcomes[i] })),
        },
      });
      return reply(200, {
        eventId: event.eventId,
        duplicate: false,
        delivered: outcomes.filter((o) => o === 'delivered').length,
        parked: outcomes.filter((o) => o === 'parked').length,
      });
    } catch (err) {
      if (err instanceof HttpError) return reply(err.status, { error: err.message });
      console.error('[ingress] delivery failed; provider will retry:', (err as Error).message);
      return reply(503, { error: 'temporarily unavailable' });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  (async () => {
    const { temporalEnv } = await import('../workers/config');
    const { loadProcessConfig } = await import('../workers/secrets');
    const { connectClient } = await import('../client/connect');
    const { dataConverterFor } = await import('../codec/for-config');
    // Outside local mode: real webhook secrets (or their Secrets Manager ARNs) or no start.
    const config = await loadProcessConfig('ingress');
    const { client } = await connectClient({ env: temporalEnv(config), dataConverter: dataConverterFor(config) });
    const ingress = await startIngress({ config, client, port: config.INGRESS_PORT });
    console.log(`[ingress] listening on ${ingress.url}`);
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
