import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AuditPort } from '../activities/adapters/audit/port';
import { createDynamoAudit } from '../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../activities/adapters/aws';
import { createAwsNotifications } from '../activities/adapters/notifications/aws-notifications';
import type { NotificationsPort } from '../activities/adapters/notifications/port';
import { awsOptions, requireSecrets, type AppConfig } from '../workers/config';
import type { Delivery, RouteDeps, VerifiedEvent, WebhookRoute } from './deliveries';
import { parkForOps } from './parking';
import { createRailEventSigner, proveDelivery, type RailEventSigner } from './rail-proof';
import { adyenIngressOf, verifyAdyen, type AdyenIngress } from './adyen';
import { routes as defaultRoutes } from './routes';
import { acceptedSecrets, HttpError, verifyBank, verifyPsp } from './verify';

/** Providers send small events; a larger body is refused before it is read further (and before any verification). */
export const MAX_BODY_BYTES = 1_000_000;

/** What the ingress app needs; both front doors (server.ts, lambda.ts) take the same options. */
export interface IngressOptions {
  config: AppConfig;
  client: Client;
  /** Default: the DynamoDB audit table (`AUDIT_TABLE`), which also dedupes events. */
  audit?: AuditPort;
  /** Default: SNS domain events (`EVENTS_TOPIC_NAME`). */
  notifications?: Pick<NotificationsPort, 'publishEvent'>;
  /** Default: every domain's route (`routes/index.ts`). */
  routes?: WebhookRoute[];
  /**
   * Adyen's webhook keys and transfer look-up. Default: from `config` (`adyenIngressOf`: the sandbox in local mode;
   * elsewhere the keys given or read from Secrets Manager); `null`: no Adyen (its endpoint answers 404).
   */
  adyen?: AdyenIngress | null;
}

type Outcome = 'delivered' | 'parked' | 'owned';

async function deliver(
  client: Client,
  config: AppConfig,
  sign: RailEventSigner,
  unsigned: Delivery,
): Promise<'delivered' | 'closed'> {
  // Workflows move money on a provider event only with the ingress's proof that it verified the provider's signature.
  const delivery = await proveDelivery(sign, unsigned);
  if (delivery.start) {
    try {
      await client.workflow.signalWithStart(delivery.start.workflowType, {
        workflowId: delivery.workflowId,
        taskQueue: delivery.start.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
        args: delivery.start.args,
        signal: delivery.signal,
        signalArgs: delivery.signalArgs,
        ...(delivery.start.rejectDuplicate ? { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE } : {}),
      });
      return 'delivered';
    } catch (err) {
      // A run of this ID has closed and may not start again: the event is late, like a signal to a closed workflow.
      if (delivery.start.rejectDuplicate && err instanceof WorkflowExecutionAlreadyStartedError) return 'closed';
      throw err;
    }
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
 * An event for a workflow that is closed (or never ran) must not be lost: a return after completion, or a dispute
 * event after its case closed, is parked for ops in the `late-rail-events` audit stream and published as
 * `payout.late_event` / `dispute.late_event` (`webhook.late_event` for other domains) before the provider gets its 200.
 */
async function deliverOrPark(
  opts: { client: Client; config: AppConfig; deps: RouteDeps; sign: RailEventSigner },
  event: VerifiedEvent,
  delivery: Delivery,
): Promise<Outcome> {
  if ((await deliver(opts.client, opts.config, opts.sign, delivery)) === 'delivered') return 'delivered';
  await parkForOps(opts.deps, {
    stream: 'late-rail-events',
    eventId: `${event.eventId}:${delivery.workflowId}`,
    type: lateEventType(delivery.workflowId),
    data: {
      workflowId: delivery.workflowId,
      signal: delivery.signal,
      source: event.source,
      providerEventId: event.eventId,
      eventType: event.type,
      signalArgs: delivery.signalArgs,
      ...(delivery.onClosed ? { ownedBy: delivery.onClosed.workflowId } : {}),
    },
  });
  if (!delivery.onClosed) return 'parked';
  // Parked first (the record survives whatever happens next), then owned: a failure here answers 503 and the
  // provider's redelivery signals the same workflow with the same observation.
  const owner = delivery.onClosed;
  try {
    await opts.client.workflow.signalWithStart(owner.workflowType, {
      workflowId: owner.workflowId,
      taskQueue: opts.config.TEMPORAL_TASK_QUEUE,
      args: owner.args,
      signal: owner.signal,
      signalArgs: owner.signalArgs,
      // The owner resolved and closed already (the money was booked back): another copy of the event reopens nothing.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return 'owned';
}

/** The domain event ops subscribe to for a late event, by the workflow it was meant for. */
function lateEventType(workflowId: string): string {
  if (workflowId.startsWith('payout-')) return 'payout.late_event';
  if (workflowId.startsWith('dispute-')) return 'dispute.late_event';
  return 'webhook.late_event';
}

/** The audit store, domain-event publisher and rail look-ups from config, unless the caller hands them in (tests, chaos). */
function routeDeps(opts: IngressOptions, adyen: AdyenIngress | undefined): RouteDeps {
  const { config } = opts;
  const aws = makeAwsClients(awsOptions(config));
  const account = config.PAYOPS_MODE === 'local' ? '123456789012' : config.AWS_ACCOUNT_ID;
  return {
    audit: opts.audit ?? createDynamoAudit({ aws, table: config.AUDIT_TABLE }),
    notifications:
      opts.notifications ??
      createAwsNotifications({
        aws,
        fromEmail: config.NOTIFY_FROM_EMAIL,
        topicArn: `arn:aws:sns:${config.AWS_REGION}:${account}:${config.EVENTS_TOPIC_NAME}`,
      }),
    ...(adyen ? { adyenRail: adyen.rail } : {}),
  };
}

// Fatal: a body that is not UTF-8 cannot carry a valid signature over its text; say so instead of "bad signature".
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The webhook ingress as one app, whichever front door serves it (the long-lived server or the Lambda handler):
 * verify the signature over the raw body → drop duplicates by event ID → route → signal or signalWithStart (or park
 * for ops when the workflow has closed) → remember the event ID. Temporal unavailable answers 503 so the provider
 * retries; workflows dedupe by event ID as well, so a redelivery after a crash changes nothing. Refuses to build
 * without the webhook secrets outside local mode.
 */
export function createIngressApp(opts: IngressOptions): Hono {
  const { config, client } = opts;
  requireSecrets(config, 'ingress');
  const adyen = opts.adyen === null ? undefined : (opts.adyen ?? adyenIngressOf(config));
  const deps = routeDeps(opts, adyen);
  const routes = opts.routes ?? defaultRoutes;
  // Read once, on the first delivery; an unreadable key answers 503 (the provider retries) and says why in the log.
  let signer: Promise<RailEventSigner> | undefined;
  const sign: RailEventSigner = async (...a) => {
    signer ??= createRailEventSigner(config.INGRESS_SIGNING_KEY).catch((err: unknown) => {
      signer = undefined;
      throw err;
    });
    return (await signer)(...a);
  };
  const verifiers = {
    psp: (body: string, header: (name: string) => string | undefined) =>
      verifyPsp(body, header('stripe-signature'), acceptedSecrets(config, 'PSP_WEBHOOK_SECRET')),
    bank: (body: string, header: (name: string) => string | undefined) =>
      verifyBank(body, header('x-bank-signature'), acceptedSecrets(config, 'BANK_WEBHOOK_SECRET')),
    // Adyen's HMAC over the raw body; the route then confirms the transfer at Adyen before any signal.
    adyen: (body: string, header: (name: string) => string | undefined) => {
      if (!adyen) throw new HttpError(404, 'unknown endpoint');
      return verifyAdyen(body, header('hmacsignature'), adyen.hmacKeys);
    },
  };

  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  for (const source of ['psp', 'bank', 'adyen'] as const) {
    app.post(
      `/webhooks/${source}`,
      bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'body too large' }, 413) }),
      async (c) => {
        // The signature covers the exact bytes the provider sent: read them raw, never through a JSON parser.
        let body: string;
        try {
          body = utf8.decode(await c.req.arrayBuffer());
        } catch {
          throw new HttpError(400, 'body is not UTF-8');
        }
        const event = verifiers[source](body, (name) => c.req.header(name));
        const stream = `webhook:${event.source}`;
        if (await deps.audit.get(stream, event.eventId)) return c.json({ eventId: event.eventId, duplicate: true });

        const deliveries = (await Promise.all(routes.map((route) => route(event, deps)))).flat();
        const outcomes: Outcome[] = [];
        for (const delivery of deliveries)
          outcomes.push(await deliverOrPark({ client, config, deps, sign }, event, delivery));
        await deps.audit.append({
          stream,
          eventId: event.eventId,
          at: new Date().toISOString(),
          type: event.type,
          data: {
            deliveries: deliveries.map((d, i) => ({
              workflowId: d.workflowId,
              signal: d.signal,
              outcome: outcomes[i],
            })),
          },
        });
        return c.json({
          eventId: event.eventId,
          duplicate: false,
          delivered: outcomes.filter((o) => o === 'delivered').length,
          parked: outcomes.filter((o) => o !== 'delivered').length,
          owned: outcomes.filter((o) => o === 'owned').length,
        });
      },
    );
  }
  const known = new Set(['/healthz', '/webhooks/psp', '/webhooks/bank', ...(adyen ? ['/webhooks/adyen'] : [])]);
  app.notFound((c) =>
    known.has(c.req.path) ? c.json({ error: 'method not allowed' }, 405) : c.json({ error: 'unknown endpoint' }, 404),
  );
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
    console.error('[ingress] delivery failed; provider will retry:', err.message);
    return c.json({ error: 'temporarily unavailable' }, 503);
  });
  return app;
}
