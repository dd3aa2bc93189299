import { KMSClient } from '@aws-sdk/client-kms';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { createDynamoAudit } from '../activities/adapters/audit/dynamo-audit';
import type { AuditPort } from '../activities/adapters/audit/port';
import { makeAwsClients } from '../activities/adapters/aws';
import { approvals, breaks, disputes } from '../client';
import { ClientInputError } from '../client/errors';
import {
  describeProviderQueue,
  pausePspCalls,
  pausePspInput,
  resumePspCalls,
  resumePspInput,
} from '../client/psp-control';
import { PAUSE_MARK } from '../client/psp-pacing';
import { PROVIDER_IDS, type ProviderId } from '../workflows/routing/contract';
import { kmsOptions } from '../workers/data-converter';
import { countStuck, payoutReport } from './reads';
import { previewReconDay, reconDayReport, rerunReconDay } from './recon-days';
import { createS3Reports } from '../activities/adapters/reports/s3-reports';
import type { ReportsPort } from '../activities/adapters/reports/port';
import { adyenConfigOf } from '../workers/config-adyen';
import { reconAccounts } from '../workers/config-recon';
import { RECON_RULE_VERSIONS } from '../workflows/recon/contract';
import { businessDateSchema, reconAccountIdSchema } from '../workflows/recon-days/contract';
import { awsOptions, type AppConfig } from '../workers/config';
import {
  approvalAuditStream,
  compensationRequestCommandSchema,
  compensationRequestId,
  compensationWorkflowId,
  ROLES,
} from '../workflows/approvals/contract';
import { escalationTierSchema } from '../workflows/disputes/contract';
import { BREAK_OPS_ROLES, breakAuditStream } from '../workflows/recon-breaks/contract';
import { TIERS } from '../workflows/disputes/policy';
import { caseFold } from '../workflows/shared/identity';
import { STAFF_COMMANDS, type StaffCommand } from './commands';
import type { DecisionsConfig } from './config';
import { NoRunningWorkflow, sendStaffCommand } from './send';
import { signerFor, type AssertionSigner } from './signer';
import { staffVerifier, Unauthenticated, type Staff, type StaffVerifier } from './staff-auth';
import { consoleApp, isConsolePath } from './console';
import { loadConsoleConfig, type ConsoleConfig } from './console/config';
import { reportRoutes, type ReportsSource } from './reports/routes';

/** Staff send small JSON bodies; anything larger is refused unread. */
export const MAX_BODY_BYTES = 64_000;

/** What the decision service needs; both front doors (server.ts, lambda.ts) take the same options. */
export interface DecisionsOptions {
  config: AppConfig;
  decisions: DecisionsConfig;
  client: Client;
  /** Default: the configured identity provider's tokens (staff-auth.ts). */
  verifyStaff?: StaffVerifier;
  /** Default: KMS when configured, else the local key (signer.ts). */
  sign?: AssertionSigner;
  /** Default: the DynamoDB audit table (`AUDIT_TABLE`): `show` reads the trails the workflows wrote. */
  audit?: AuditPort;
  /** Default: from the environment (console/config.ts); off outside local mode until configured. */
  console?: ConsoleConfig | { off: string };
  /** Default: the S3 reports bucket (`REPORTS_BUCKET`): the reconciliation's day outputs. */
  reconFiles?: ReportsPort;
  /**
   * Where reports read their facts. Both front doors default it (reports/athena-source.ts#reportsSourceFor: Athena
   * when configured, else locally DuckDB over the bucket); absent, the report endpoints answer 503.
   */
  reports?: ReportsSource;
}

/** The caller lacks the role the command needs (HTTP 403). */
class Forbidden extends Error {
  override name = 'Forbidden';
}

/** A bad request: `issues` name each field (HTTP 400). */
class BadInput extends Error {
  override name = 'BadInput';
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(`invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadInput(
    result.error.issues.map((i) => ({ path: [prefix, ...i.path].filter(Boolean).join('.'), message: i.message })),
  );
}

const holds = (staff: Staff, role: string) => staff.roles.some((r) => caseFold(r) === caseFold(role));
function requireRole(staff: Staff, anyOf: readonly string[], what: string): void {
  if (!anyOf.some((r) => holds(staff, r)))
    throw new Forbidden(`${staff.subject} holds none of the roles ${what} needs (${anyOf.join(', ')})`);
}

/** Who may read a reconciliation day and preview a rule change. */
const RECON_ROLES = ['ops', 'finance', 'compliance'] as const;

/** Who may ask for a compensation (the workflow's policy decides what they may get). */
const REQUESTERS = ['cs_agent', 'cs_lead'] as const;

/** Path IDs: what the workflows' IDs are built from (letters, digits and a few separators; never free text). */
const idSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, { error: 'must be an ID (letters, digits, . _ : -)' });

const approvalsFilter = z
  .object({
    state: z
      .string()
      .regex(/^[a-z_]+$/)
      .optional(),
    tier: z
      .string()
      .regex(/^[a-z_]+$/)
      .optional(),
  })
  .strict();
const breaksFilter = z
  .object({ open: z.enum(['true', 'false'], { error: 'open must be true or false' }).optional() })
  .strict();
const disputesFilter = z
  .object({
    dueWithinDays: z.coerce.number().int().positive().max(365).optional(),
    tier: escalationTierSchema.optional(),
  })
  .strict();

/** A pause's reason as the operator typed it: the queue's reason is `psp-incident:<id> [was=<rate>] <reason>`. */
function pauseOf(reason: string | undefined): { pauseReason?: string } {
  const text = (reason ?? '').slice(PAUSE_MARK.length).split(' ').slice(1);
  const words = text[0]?.startsWith('was=') ? text.slice(1) : text;
  return words.length ? { pauseReason: words.join(' ') } : {};
}

/**
 * The decision service as one app, whichever front door serves it (the long-lived server or the Lambda handler).
 * Every request carries the identity provider's token; a command is checked against the caller's roles, signed as a
 * command assertion bound to the workflow's current run, the command and its arguments, and sent by the service's
 * own Temporal client; the answer is the workflow validator's verdict. The reads the staff CLIs need go through it
 * too, so staff hold no Temporal or AWS credentials.
 *
 * - `POST /approvals` a compensation request (the requester is the caller: the start is signed for them)
 * - `POST /payouts/:payoutId/{hold,release,retry,cancel,resolve}` `{ reason, outcome? }`
 * - `POST /approvals/:requestId/{approve,reject}` `{ reason, role?, amountMinor? }`; `/amend` `{ remedies, reason }`
 * - `POST /disputes/:disputeId/assign` `{ assignee, tier }`; `/evidence` `{ field, text }`;
 *   `/decide` `{ decision, tier?, note? }`
 * - `POST /breaks/:workflowId/link` `{ workflowId?, postingId?, lineId?, note }`; `/mark-received`
 *   `{ externalRef, note }`; `/adjust` `{ amountMinor, currency, account, note }`; `/approve` `{ note? }`;
 *   `/rebook` `{ note }`; `/void` `{ reason }`; `/reopen` `{ reason }` (adjust, approve, rebook: finance)
 * - `POST /psp/pause` `{ provider, incidentId, reason }` · `POST /psp/resume` `{ provider, ratePerSecond?, reason? }`
 *   (ops; `provider` is `stripe` or `adyen`, required: never a default on an incident action) · `GET /psp` each
 *   provider's queue, rate limit and pause (ops)
 * - `GET /whoami` · `GET /approvals?state&tier` · `GET /approvals/:requestId` · `GET /disputes?dueWithinDays&tier` ·
 *   `GET /disputes/:disputeId` · `GET /breaks?open` · `GET /breaks/:workflowId` · `GET /stuck` · `GET /payouts/:payoutId` · `GET /healthz`
 * - `GET /recon/days/:accountId/:date` · `GET /recon/days/:accountId/:date/preview?rules=<version>` (a dry run) ·
 *   `POST /recon/days/:accountId/:date/rerun` `{ reason }` (ops, finance)
 * - `GET /reports/spend?from&to&tz[&format=csv]` (finance) · `GET /reports/sla?from&to&tz[&format=csv]` (ops, compliance,
 *   finance) · `GET /reports/customers/:customerId/compensations?days` (a request page's roles): reports/routes.ts
 *
 * Answers: 200 with a verdict (`{ accepted: true, value }` or `{ accepted: false, type, code, message }`) or the
 * read's JSON; 400 naming the bad field; 401 without a valid token; 403 without the role; 404 for an unknown (or
 * closed) workflow; 503 when Temporal or the identity provider cannot be reached.
 */
export function createDecisionsApp(opts: DecisionsOptions): Hono<{ Variables: { staff: Staff } }> {
  const { client, config } = opts;
  const verify = opts.verifyStaff ?? staffVerifier(opts.decisions.oidc);
  const sign = opts.sign ?? signerFor(opts.decisions, () => new KMSClient(kmsOptions(config)));
  const audit = (): AuditPort =>
    opts.audit ?? createDynamoAudit({ aws: makeAwsClients(awsOptions(config)), table: config.AUDIT_TABLE });

  const app = new Hono<{ Variables: { staff: Staff } }>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.use('*', async (c, next) => {
    // The console (console/) checks its own session cookie; everything else carries a bearer token.
    if (c.req.path === '/healthz' || isConsolePath(c.req.path)) return next();
    c.set('staff', await verify(c.req.header('authorization')));
    return next();
  });
  app.get('/whoami', (c) => c.json(c.get('staff')));

  const route = (cmd: StaffCommand) =>
    app.post(
      `/${cmd.domain}/:id/${cmd.verb}`,
      bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'body too large' }, 413) }),
      async (c) => {
        const staff = c.get('staff');
        const id = parse(idSchema, c.req.param('id'), 'id');
        const raw: unknown = await c.req.json().catch(() => {
          throw new BadInput([{ path: 'body', message: 'must be a JSON object' }]);
        });
        const body = parse(cmd.body, raw, '') as Record<string, unknown>;
        requireRole(staff, cmd.anyOf, `${cmd.domain} ${cmd.verb}`);
        const named = cmd.namedRole?.(body);
        if (named !== undefined && !holds(staff, named))
          throw new Forbidden(`${named} is not one of ${staff.subject}'s roles`);
        const args = await cmd.args(body, { client, id }).catch((err: unknown) => {
          if (err instanceof z.ZodError)
            throw new BadInput(err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
          throw err;
        });
        return c.json(await sendStaffCommand({ client, sign, staff }, cmd.workflowId(id), cmd.update, args));
      },
    );
  STAFF_COMMANDS.forEach(route);

  // A compensation request: an agent's (or lead's) start, signed for them like a decision (command = the workflow
  // type, bound to the workflow ID and the input), so the workflow knows who asked without believing a body field.
  app.post(
    '/approvals',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'body too large' }, 413) }),
    async (c) => {
      const staff = c.get('staff');
      requireRole(staff, REQUESTERS, 'a compensation request');
      const raw: unknown = await c.req.json().catch(() => {
        throw new BadInput([{ path: 'body', message: 'must be a JSON object' }]);
      });
      const request = parse(compensationRequestCommandSchema, raw, '');
      const started = await approvals.startCompensation(
        client,
        { ...request, sign: (binding) => sign(staff, binding) },
        { taskQueue: config.TEMPORAL_TASK_QUEUE },
      );
      return c.json({ workflowId: started.workflowId, existing: started.existing });
    },
  );

  // PSP incident control changes the server's task-queue configuration, which no workflow validator guards: only ops,
  // recorded under the verified subject, on the service's own queue; a resume restores at most the configured
  // account rate (never a rate read back from a reason text someone else could have written).
  const pspBody = async (c: Context, schema: z.ZodObject) => {
    requireRole(c.get('staff'), ['ops'], 'PSP incident control');
    const raw: unknown = await c.req.json().catch(() => {
      throw new BadInput([{ path: 'body', message: 'must be a JSON object' }]);
    });
    return parse(schema.omit({ operator: true, taskQueue: true }).strict(), raw, '') as Record<string, unknown>;
  };
  app.post('/psp/pause', async (c) => {
    const body = await pspBody(c, pausePspInput);
    const operator = c.get('staff').subject;
    const value = await pausePspCalls(client, {
      provider: body['provider'] as ProviderId,
      incidentId: body['incidentId'] as string,
      reason: body['reason'] as string,
      operator,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    });
    return c.json({ accepted: true, value: { ...value, operator } });
  });
  // Each provider's queue as the server holds it (the pause's source of truth): what the console's PSPs page shows.
  app.get('/psp', async (c) => {
    requireRole(c.get('staff'), ['ops'], 'PSP incident control');
    const providers = await Promise.all(
      PROVIDER_IDS.map(async (provider) => {
        const q = await describeProviderQueue(client, provider, config.TEMPORAL_TASK_QUEUE);
        return { provider, ...q, ...(q.pausedBy ? pauseOf(q.reason) : {}) };
      }),
    );
    return c.json({ providers });
  });
  app.post('/psp/resume', async (c) => {
    const body = await pspBody(c, resumePspInput);
    const operator = c.get('staff').subject;
    const provider = body['provider'] as ProviderId;
    // Each provider's own account-wide limit (Adyen's from workers/config-adyen.ts): never Stripe's for Adyen.
    const ceiling =
      provider === 'adyen'
        ? adyenConfigOf(config.PAYOPS_MODE, config).accountRateLimitRps
        : config.PSP_ACCOUNT_RATE_LIMIT_RPS;
    const asked = body['ratePerSecond'] as number | undefined;
    const value = await resumePspCalls(client, {
      provider,
      ratePerSecond: Math.min(asked ?? ceiling, ceiling),
      ...(body['reason'] ? { reason: body['reason'] as string } : {}),
      operator,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    });
    return c.json({ accepted: true, value: { ...value, operator } });
  });

  const query = (c: Context) => Object.fromEntries(new URL(c.req.url).searchParams);
  app.get('/approvals', async (c) => {
    requireRole(c.get('staff'), ROLES, 'the approvals list');
    return c.json(await approvals.listCompensations(client, parse(approvalsFilter, query(c), 'query') as never));
  });
  app.get('/approvals/:id', async (c) => {
    requireRole(c.get('staff'), ROLES, 'a compensation request');
    const requestId = compensationRequestId(parse(idSchema, c.req.param('id'), 'id'));
    const status = await approvals.getCompensationState(client, requestId);
    const trail = await audit().list(approvalAuditStream(compensationWorkflowId(requestId)));
    return c.json({ status, audit: trail });
  });
  app.get('/disputes', async (c) => {
    requireRole(c.get('staff'), TIERS, 'the disputes list');
    return c.json(await disputes.listDisputes(client, parse(disputesFilter, query(c), 'query')));
  });
  app.get('/disputes/:id', async (c) => {
    requireRole(c.get('staff'), TIERS, 'a dispute case');
    return c.json(await disputes.getDisputeState(client, parse(idSchema, c.req.param('id'), 'id')));
  });
  app.get('/breaks', async (c) => {
    requireRole(c.get('staff'), BREAK_OPS_ROLES, 'the breaks list');
    const f = parse(breaksFilter, query(c), 'query');
    return c.json(await breaks.listBreaks(client, { open: f.open === 'true' }));
  });
  app.get('/breaks/:id', async (c) => {
    requireRole(c.get('staff'), BREAK_OPS_ROLES, 'a reconciliation break');
    const workflowId = parse(idSchema, c.req.param('id'), 'id');
    const status = await breaks.getBreakState(client, workflowId);
    const trail = await audit().list(breakAuditStream(workflowId));
    return c.json({ status, audit: trail });
  });
  app.get('/stuck', async (c) => {
    requireRole(c.get('staff'), ['ops', 'compliance'], 'the stuck-work counts');
    const now = new Date();
    const categories = await countStuck(client, { base: config.WEB_UI_URL, namespace: config.TEMPORAL_NAMESPACE }, now);
    return c.json({ at: now.toISOString(), categories });
  });
  app.get('/payouts/:id', async (c) => {
    requireRole(c.get('staff'), ['ops', 'compliance'], 'a payout report');
    return c.json(await payoutReport(client, audit(), parse(idSchema, c.req.param('id'), 'id')));
  });

  const reports = (): ReportsPort =>
    opts.reconFiles ?? createS3Reports({ aws: makeAwsClients(awsOptions(config)), bucket: config.REPORTS_BUCKET });
  const reconDay = (c: Context) => ({
    accountId: parse(reconAccountIdSchema, c.req.param('account'), 'accountId'),
    date: parse(businessDateSchema, c.req.param('date'), 'date'),
  });
  app.get('/recon/days/:account/:date', async (c) => {
    requireRole(c.get('staff'), RECON_ROLES, "a reconciliation day's result");
    const { accountId, date } = reconDay(c);
    return c.json(await reconDayReport(client, reports(), reconAccounts(config), accountId, date));
  });
  app.get('/recon/days/:account/:date/preview', async (c) => {
    requireRole(c.get('staff'), RECON_ROLES, 'a rule preview');
    const { accountId, date } = reconDay(c);
    const rules = parse(z.enum(RECON_RULE_VERSIONS), c.req.query('rules'), 'rules');
    const preview = await previewReconDay(reports(), reconAccounts(config), accountId, date, rules);
    if (!preview) return c.json({ error: `${accountId} ${date} has not been reconciled yet` }, 404);
    return c.json(preview);
  });
  app.post(
    '/recon/days/:account/:date/rerun',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'body too large' }, 413) }),
    async (c) => {
      const staff = c.get('staff');
      requireRole(staff, ['ops', 'finance'], 'a reconciliation re-run');
      const { accountId, date } = reconDay(c);
      const { reason } = parse(z.object({ reason: z.string().trim().min(3).max(500) }), await c.req.json(), 'body');
      const value = await rerunReconDay(client, audit(), {
        accounts: reconAccounts(config),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        accountId,
        date,
        by: staff.subject,
        reason,
      });
      return c.json({ accepted: true, value });
    },
  );
  reportRoutes(app, () => opts.reports);

  // The finance and ops console: pages over this same app (every read and command is an in-process API call).
  app.get('/', (c) => c.redirect('/console', 302));
  app.get('/console/', (c) => c.redirect('/console', 302));
  app.route(
    '/console',
    consoleApp({
      oidc: opts.decisions.oidc,
      console: opts.console ?? loadConsoleConfig(config),
      verify,
      client,
      api: (request) => app.fetch(request),
    }),
  );

  app.notFound((c) => c.json({ error: 'unknown endpoint' }, 404));
  app.onError((err, c) => {
    if (err instanceof Unauthenticated) return c.json({ error: err.message }, 401, { 'www-authenticate': 'Bearer' });
    if (err instanceof Forbidden) return c.json({ error: err.message }, 403);
    if (err instanceof BadInput) return c.json({ error: err.message, issues: err.issues }, 400);
    if (err instanceof ClientInputError) return c.json({ error: err.message, issues: err.issues }, 400);
    if (err instanceof NoRunningWorkflow || err instanceof WorkflowNotFoundError)
      return c.json({ error: err.message }, 404);
    console.error('[decisions] request failed:', err instanceof Error ? `${err.name}: ${err.message}` : err);
    return c.json({ error: 'temporarily unavailable' }, 503);
  });
  return app;
}
