import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { PROVIDER_IDS, type ProviderId } from '../workflows/routing/contract';
import { pspIncidentSchema, type PspIncidentNotice } from '../workflows/shared/ops-notices';
import { PROVIDER_RAIL, providerTaskQueues } from '../workflows/shared/provider-queue';
import { configuredTaskQueue } from './config';
import { ClientInputError, parseClientInput } from './errors';
import {
  describeQueueLimit,
  identityOf,
  namespaceOf,
  PAUSE_MARK,
  rate,
  setLimit,
  type PspQueueLimit,
} from './psp-pacing';

export {
  applyAdyenRateLimit,
  applyPspRateLimit,
  type AdyenPacingConfig,
  describePspQueue,
  describeQueueLimit,
  type PspPacingConfig,
  type PspQueueLimit,
} from './psp-pacing';

/**
 * The PSP incident pause (issue 13.3), per provider (issue 25), over the pacing of `psp-pacing.ts` (re-exported here):
 * a pause sets the provider's queue-wide limit to 0 on its own task queue (`<q>-psp` for Stripe, `<q>-psp-adyen` for
 * Adyen: workflows/shared/provider-queue.ts), so the server dispatches none of that provider's calls (new calls and
 * retries alike wait as scheduled activities) while the other provider keeps paying, and tells that provider's
 * payouts (`pspIncident` signal naming the provider); resume restores the limit, so the backlog drains at that rate.
 *
 * `provider` is required, never defaulted: a pause is an incident action, and an operator who means Adyen but gets
 * Stripe by default would stop the provider that still works. A command line or script from before issue 25 is
 * refused naming the field rather than guessed at.
 */

const BATCH_RUNNING = temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_RUNNING;

const incidentId = pspIncidentSchema.shape.incidentId.unwrap();
/** Quotes would break the visibility query the queue name goes into. */
const taskQueue = z
  .string()
  .regex(/^[^'"\\]{1,200}$/, { error: 'must be 1-200 characters without quotes or backslashes' })
  .optional();
/** Who acts (the verified staff subject, e.g. `ops.frank`): recorded as the identity of the server-side changes. */
const operator = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,100}$/)
  .optional();

/** Which PSP: required (see above). */
const provider = z.enum(PROVIDER_IDS, { error: `must be one of ${PROVIDER_IDS.join(', ')}` });

export const pausePspInput = z
  .object({
    provider,
    incidentId,
    reason: z.string().trim().min(1).max(150),
    /** The product's task queue (default: `TEMPORAL_TASK_QUEUE`); the PSP queue is derived from it. */
    taskQueue,
    operator,
  })
  .strict();
export const resumePspInput = z
  .object({
    provider,
    ratePerSecond: rate.optional(),
    reason: z.string().trim().min(1).max(150).optional(),
    taskQueue,
    operator,
  })
  .strict();
export type PausePspInput = z.input<typeof pausePspInput>;
export type ResumePspInput = z.input<typeof resumePspInput>;

/** What a batch of `pspIncident` signals did. */
export interface NoticeResult {
  /** Running payouts the visibility query matched when the batch started. */
  matched: number;
  signalled: number;
  failed: number;
  jobId?: string;
}

export interface PauseResult {
  provider: ProviderId;
  incidentId: string;
  /** The provider's queue (under the current table version); `taskQueues` when versions use more than one. */
  taskQueue: string;
  taskQueues: string[];
  /** The limit in force before the pause (restored by resume). */
  previous: PspQueueLimit;
  notices: NoticeResult;
}

export interface ResumeResult {
  provider: ProviderId;
  taskQueue: string;
  taskQueues: string[];
  ratePerSecond: number;
  /** The incident the pause was for; undefined when the queue was not paused. */
  resumedIncident?: string;
  notices: NoticeResult;
}

/**
 * Running payouts of this deployment that wait on the provider or are about to call it: their `Rail` names the
 * provider (`PROVIDER_RAIL`: `psp` for Stripe, `psp-adyen` for Adyen), so a notice about one provider never reaches
 * (nor clears a pause shown on) a payout at the other.
 */
export function payoutsAtPspQuery(productQueue: string, provider: ProviderId = 'stripe'): string {
  return [
    `WorkflowType = 'creatorPayout'`,
    `ExecutionStatus = 'Running'`,
    `TaskQueue = '${productQueue}'`,
    `Rail = '${PROVIDER_RAIL[provider]}'`,
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
  notice: PspIncidentNotice & { provider: ProviderId },
  reason: string,
  operator?: string,
): Promise<NoticeResult> {
  const visibilityQuery = payoutsAtPspQuery(productQueue, notice.provider);
  const { count } = await client.workflow.count(visibilityQuery);
  if (count === 0) return { matched: 0, signalled: 0, failed: 0 };
  const jobId = `psp-incident-${notice.provider}-${notice.incidentId ?? 'resume'}-${randomUUID()}`;
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
 * Stops every new call to one PSP across every payout, approval and dispute: the provider's queue's rate limit goes
 * to 0 (the server dispatches nothing from it; calls already running finish), recording the limit it replaces, and
 * every payout at that provider's step is told (`pspIncident` with the incident ID and the provider). The other
 * provider's queue is not touched. Idempotent: pausing again re-notifies the payouts that reached the step since, and
 * keeps the first recorded limit.
 */
export async function pausePspCalls(client: Client, input: PausePspInput): Promise<PauseResult> {
  const i = parseClientInput(pausePspInput, input, 'pause-psp input');
  const productQueue = i.taskQueue ?? configuredTaskQueue();
  const queues = providerTaskQueues(productQueue, i.provider);
  const limits = await Promise.all(queues.map((q) => describeQueueLimit(client, q)));
  for (const limit of limits) {
    const restore = limit.pausedBy ? restoreRateOf(limit) : limit.ratePerSecond;
    const was = restore === undefined ? '' : ` was=${restore}`;
    const mark = `${PAUSE_MARK}${i.incidentId}${was} ${i.reason}`.slice(0, 250);
    await setLimit(client, limit.taskQueue, 0, mark, i.operator);
  }
  const notice = { incidentId: i.incidentId, at: new Date().toISOString(), provider: i.provider };
  const why = `PSP incident ${i.incidentId} (${i.provider}): ${i.reason}`;
  const notices = await noticeToPayouts(client, productQueue, notice, why, i.operator);
  const previous = limits[0]!;
  return {
    provider: i.provider,
    incidentId: i.incidentId,
    taskQueue: previous.taskQueue,
    taskQueues: queues,
    previous,
    notices,
  };
}

/** A paused provider: its queue's rate limit is an incident pause. */
export interface PausedProvider {
  provider: ProviderId;
  incidentId: string;
  taskQueue: string;
}

/**
 * The providers paused now, read from the server's queue configuration (the pause's source of truth, which holds
 * across restarts and releases): what a routing decision must treat as ineligible. Wrap it in an activity; a
 * workflow cannot call the server itself.
 */
export async function pausedProviders(client: Client, productQueue = configuredTaskQueue()): Promise<PausedProvider[]> {
  const out: PausedProvider[] = [];
  for (const p of PROVIDER_IDS) {
    for (const q of providerTaskQueues(productQueue, p)) {
      const limit = await describeQueueLimit(client, q);
      if (limit.pausedBy) {
        out.push({ provider: p, incidentId: limit.pausedBy, taskQueue: q });
        break;
      }
    }
  }
  return out;
}

/** One provider's queue limit (the current table version's queue). */
export async function describeProviderQueue(
  client: Client,
  provider: ProviderId,
  productQueue = configuredTaskQueue(),
): Promise<PspQueueLimit> {
  return describeQueueLimit(client, providerTaskQueues(productQueue, provider)[0]!);
}

/** The limit a pause recorded (`was=<rate>` in its reason). */
function restoreRateOf(limit: PspQueueLimit): number | undefined {
  const m = /\bwas=([0-9.]+)\b/.exec(limit.reason ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * Ends one provider's pause: its queue's limit goes back to `ratePerSecond`, or else to the limit the pause recorded,
 * so the backlog of that provider's calls drains at that controlled rate; its payouts are told (`incidentId: null`,
 * the provider named). Without a rate to restore (none given, none recorded) it refuses rather than leave the queue
 * unpaced.
 */
export async function resumePspCalls(client: Client, input: ResumePspInput): Promise<ResumeResult> {
  const i = parseClientInput(resumePspInput, input, 'resume-psp input');
  const productQueue = i.taskQueue ?? configuredTaskQueue();
  const queues = providerTaskQueues(productQueue, i.provider);
  const limits = await Promise.all(queues.map((q) => describeQueueLimit(client, q)));
  const current = limits[0]!;
  const ratePerSecond = i.ratePerSecond ?? restoreRateOf(current);
  if (ratePerSecond === undefined) {
    const message = 'required: the queue has no paused rate recorded to restore';
    throw new ClientInputError(`invalid resume-psp input: ratePerSecond: ${message}`, [
      { path: 'ratePerSecond', message },
    ]);
  }
  for (const limit of limits)
    await setLimit(
      client,
      limit.taskQueue,
      ratePerSecond,
      i.reason ?? `resumed after ${limit.pausedBy ?? 'no pause'}`,
      i.operator,
    );
  const notice = { incidentId: null, at: new Date().toISOString(), provider: i.provider };
  const why = `PSP calls (${i.provider}) resumed at ${ratePerSecond}/s`;
  const notices = await noticeToPayouts(client, productQueue, notice, why, i.operator);
  return {
    provider: i.provider,
    taskQueue: current.taskQueue,
    taskQueues: queues,
    ratePerSecond,
    ...(current.pausedBy ? { resumedIncident: current.pausedBy } : {}),
    notices,
  };
}
