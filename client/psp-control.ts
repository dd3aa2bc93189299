import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { pspIncidentSchema, type PspIncidentNotice } from '../workflows/shared/ops-notices';
import { pspTaskQueue } from '../workflows/shared/task-queue';
import { configuredTaskQueue } from './config';
import { ClientInputError, parseClientInput } from './errors';

/**
 * PSP pacing and the PSP incident pause (issues 14.1 and 13.3). Every PSP call is an activity on the PSP task queue
 * (`<TEMPORAL_TASK_QUEUE>-psp`); the server dispatches that queue's tasks at most at its queue-wide rate limit,
 * whichever workers poll it (long-lived or Lambda). Pacing sets that limit to the provider's; a pause sets it to 0
 * (the server then dispatches nothing: new calls and retries alike wait as scheduled activities) and tells the
 * payouts waiting on the PSP (`pspIncident` signal); resume restores the limit, so the backlog drains at that rate.
 */

const ACTIVITY = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
const BATCH_RUNNING = temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_RUNNING;
/** A pause's rate-limit reason starts with this, then the incident ID: how resume and pacing recognise a pause. */
const PAUSE_MARK = 'psp-incident:';
const IDENTITY = 'payops-psp-control';

const incidentId = pspIncidentSchema.shape.incidentId.unwrap();
/** Quotes would break the visibility query the queue name goes into. */
const taskQueue = z
  .string()
  .regex(/^[^'"\\]{1,200}$/, { error: 'must be 1-200 characters without quotes or backslashes' })
  .optional();
const rate = z.number().positive().max(10_000);
/** Who acts (the verified staff subject, e.g. `ops.frank`): recorded as the identity of the server-side changes. */
const operator = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,100}$/)
  .optional();

export const pausePspInput = z
  .object({
    incidentId,
    reason: z.string().trim().min(1).max(150),
    /** The product's task queue (default: `TEMPORAL_TASK_QUEUE`); the PSP queue is derived from it. */
    taskQueue,
    operator,
  })
  .strict();
export const resumePspInput = z
  .object({
    ratePerSecond: rate.optional(),
    reason: z.string().trim().min(1).max(150).optional(),
    taskQueue,
    operator,
  })
  .strict();
export type PausePspInput = z.input<typeof pausePspInput>;
export type ResumePspInput = z.input<typeof resumePspInput>;

/** The PSP queue's server-side limit as the server reports it. */
export interface PspQueueLimit {
  taskQueue: string;
  /** Undefined when no queue-wide limit is set (then only worker limits apply). */
  ratePerSecond?: number;
  /** Each fairness key's (PSP activity's) limit, when set. */
  endpointRatePerSecond?: number;
  reason?: string;
  /** The incident a pause is for (rate 0 set by {@link pausePspCalls}). */
  pausedBy?: string;
}

/** What a batch of `pspIncident` signals did. */
export interface NoticeResult {
  /** Running payouts the visibility query matched when the batch started. */
  matched: number;
  signalled: number;
  failed: number;
  jobId?: string;
}

export interface PauseResult {
  incidentId: string;
  taskQueue: string;
  /** The limit in force before the pause (restored by resume). */
  previous: PspQueueLimit;
  notices: NoticeResult;
}

export interface ResumeResult {
  taskQueue: string;
  ratePerSecond: number;
  /** The incident the pause was for; undefined when the queue was not paused. */
  resumedIncident?: string;
  notices: NoticeResult;
}

/** What {@link applyPspRateLimit} needs of the process configuration (`AppConfig` has it). */
export interface PspPacingConfig {
  TEMPORAL_TASK_QUEUE: string;
  /** Per endpoint: each PSP activity (fairness key `psp:<activity>`) is dispatched at most this often. */
  PSP_RATE_LIMIT_RPS: number;
  /** All PSP calls together (the queue-wide limit; the pause sets it to 0). Default: the per-endpoint limit. */
  PSP_ACCOUNT_RATE_LIMIT_RPS?: number;
}

const namespaceOf = (client: Client) => client.options.namespace;

/** Reads the PSP queue's rate limit (and whether it is an incident pause) from the server. */
export async function describePspQueue(client: Client, productQueue = configuredTaskQueue()): Promise<PspQueueLimit> {
  const name = pspTaskQueue(productQueue);
  const r = await client.workflowService.describeTaskQueue({
    namespace: namespaceOf(client),
    taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: ACTIVITY,
    reportConfig: true,
  });
  const limit = r.config?.queueRateLimit;
  const reason = limit?.metadata?.reason ?? undefined;
  const endpoint = r.config?.fairnessKeysRateLimitDefault?.rateLimit?.requestsPerSecond;
  const endpointLimit = endpoint ? { endpointRatePerSecond: endpoint } : {};
  if (!limit?.rateLimit) return { taskQueue: name, ...(reason ? { reason } : {}), ...endpointLimit };
  const ratePerSecond = limit.rateLimit.requestsPerSecond ?? 0;
  const paused = ratePerSecond === 0 && reason?.startsWith(PAUSE_MARK);
  const pausedBy = paused ? reason?.slice(PAUSE_MARK.length).split(' ')[0] : undefined;
  return {
    taskQueue: name,
    ratePerSecond,
    ...endpointLimit,
    ...(reason ? { reason } : {}),
    ...(pausedBy ? { pausedBy } : {}),
  };
}

const identityOf = (operator: string | undefined) => (operator ? `${IDENTITY}:${operator}` : IDENTITY);

async function setLimit(
  client: Client,
  name: string,
  ratePerSecond: number,
  reason: string,
  operator?: string,
): Promise<void> {
  await client.workflowService.updateTaskQueueConfig({
    namespace: namespaceOf(client),
    identity: identityOf(operator),
    taskQueue: name,
    taskQueueType: ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond: ratePerSecond }, reason },
  });
}

/**
 * Sets the PSP queue's server-side limits (at `npm start` and on release): every fairness key (PSP activity, one
 * endpoint) to `PSP_RATE_LIMIT_RPS`, and the whole queue to `PSP_ACCOUNT_RATE_LIMIT_RPS`. During an incident pause it
 * leaves the queue-wide 0 alone (a restart or a release must not end a pause): `applied: false`, `pausedBy`.
 */
export async function applyPspRateLimit(
  client: Client,
  config: PspPacingConfig,
): Promise<PspQueueLimit & { applied: boolean }> {
  const endpointRatePerSecond = parseClientInput(rate, config.PSP_RATE_LIMIT_RPS, 'PSP_RATE_LIMIT_RPS');
  const ratePerSecond = parseClientInput(
    rate,
    config.PSP_ACCOUNT_RATE_LIMIT_RPS ?? endpointRatePerSecond,
    'PSP_ACCOUNT_RATE_LIMIT_RPS',
  );
  const current = await describePspQueue(client, config.TEMPORAL_TASK_QUEUE);
  await client.workflowService.updateTaskQueueConfig({
    namespace: namespaceOf(client),
    identity: IDENTITY,
    taskQueue: current.taskQueue,
    taskQueueType: ACTIVITY,
    updateFairnessKeyRateLimitDefault: {
      rateLimit: { requestsPerSecond: endpointRatePerSecond },
      reason: `PSP_RATE_LIMIT_RPS=${endpointRatePerSecond} per endpoint`,
    },
  });
  if (current.pausedBy) return { ...current, endpointRatePerSecond, applied: false };
  await setLimit(client, current.taskQueue, ratePerSecond, `PSP_ACCOUNT_RATE_LIMIT_RPS=${ratePerSecond}`);
  return { taskQueue: current.taskQueue, ratePerSecond, endpointRatePerSecond, applied: true };
}

/** Running payouts of this deployment that wait on the PSP or are about to call it (their rail is the PSP). */
export function payoutsAtPspQuery(productQueue: string): string {
  return [
    `WorkflowType = 'creatorPayout'`,
    `ExecutionStatus = 'Running'`,
    `TaskQueue = '${productQueue}'`,
    `Rail = 'psp'`,
    `PayoutState IN ('reserving', 'initiating', 'awaiting_confirmation')`,
  ].join(' AND ');
}

/**
 * Signals `pspIncident` to every payout the query matches with one server-side batch operation (not one signal per
 * workflow from here), and waits for the batch to finish so the counts are final.
 */
async function noticeToPayouts(
  client: Client,
  productQueue: string,
  notice: PspIncidentNotice,
  reason: string,
  operator?: string,
): Promise<NoticeResult> {
  const visibilityQuery = payoutsAtPspQuery(productQueue);
  const { count } = await client.workflow.count(visibilityQuery);
  if (count === 0) return { matched: 0, signalled: 0, failed: 0 };
  const jobId = `psp-incident-${notice.incidentId ?? 'resume'}-${randomUUID()}`;
  const payloads = await encodeToPayloads(client.options.loadedDataConverter, notice);
  await client.workflowService.startBatchOperation({
    namespace: namespaceOf(client),
    jobId,
    reason,
    visibilityQuery,
    signalOperation: { signal: 'pspIncident', input: { payloads }, identity: identityOf(operator) },
  });
  for (;;) {
    const d = await client.workflowService.describeBatchOperation({ namespace: namespaceOf(client), jobId });
    if (d.state !== BATCH_RUNNING) {
      const signalled = Number(d.completeOperationCount ?? 0);
      return { matched: count, signalled, failed: Number(d.failureOperationCount ?? 0), jobId };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Stops every new PSP call across every payout, approval and dispute: the PSP queue's rate limit goes to 0 (the
 * server dispatches nothing from it; calls already running finish), recording the limit it replaces, and every
 * payout at the PSP step is told (`pspIncident` with the incident ID). Idempotent: pausing again re-notifies the
 * payouts that reached the PSP step since, and keeps the first recorded limit.
 */
export async function pausePspCalls(client: Client, input: PausePspInput): Promise<PauseResult> {
  const i = parseClientInput(pausePspInput, input, 'pause-psp input');
  const productQueue = i.taskQueue ?? configuredTaskQueue();
  const previous = await describePspQueue(client, productQueue);
  const restore = previous.pausedBy ? restoreRateOf(previous) : previous.ratePerSecond;
  const was = restore === undefined ? '' : ` was=${restore}`;
  const mark = `${PAUSE_MARK}${i.incidentId}${was} ${i.reason}`.slice(0, 250);
  await setLimit(client, previous.taskQueue, 0, mark, i.operator);
  const notice = { incidentId: i.incidentId, at: new Date().toISOString() };
  const why = `PSP incident ${i.incidentId}: ${i.reason}`;
  const notices = await noticeToPayouts(client, productQueue, notice, why, i.operator);
  return { incidentId: i.incidentId, taskQueue: previous.taskQueue, previous, notices };
}

/** The limit a pause recorded (`was=<rate>` in its reason). */
function restoreRateOf(limit: PspQueueLimit): number | undefined {
  const m = /\bwas=([0-9.]+)\b/.exec(limit.reason ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * Ends a pause: the PSP queue's limit goes back to `ratePerSecond`, or else to the limit the pause recorded, so the
 * backlog of PSP calls drains at that controlled rate; the payouts at the PSP step are told (`incidentId: null`).
 * Without a rate to restore (none given, none recorded) it refuses rather than leave the queue unpaced.
 */
export async function resumePspCalls(client: Client, input: ResumePspInput = {}): Promise<ResumeResult> {
  const i = parseClientInput(resumePspInput, input, 'resume-psp input');
  const productQueue = i.taskQueue ?? configuredTaskQueue();
  const current = await describePspQueue(client, productQueue);
  const ratePerSecond = i.ratePerSecond ?? restoreRateOf(current);
  if (ratePerSecond === undefined) {
    const message = 'required: the queue has no paused rate recorded to restore';
    throw new ClientInputError(`invalid resume-psp input: ratePerSecond: ${message}`, [
      { path: 'ratePerSecond', message },
    ]);
  }
  await setLimit(
    client,
    current.taskQueue,
    ratePerSecond,
    i.reason ?? `resumed after ${current.pausedBy ?? 'no pause'}`,
    i.operator,
  );
  const notice = { incidentId: null, at: new Date().toISOString() };
  const why = `PSP calls resumed at ${ratePerSecond}/s`;
  const notices = await noticeToPayouts(client, productQueue, notice, why, i.operator);
  return {
    taskQueue: current.taskQueue,
    ratePerSecond,
    ...(current.pausedBy ? { resumedIncident: current.pausedBy } : {}),
    notices,
  };
}
