import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { pspIncidentSchema, type PspIncidentNotice } from '../workflows/shared/ops-notices';
import { configuredTaskQueue } from './config';
import { ClientInputError, parseClientInput } from './errors';
import {
  describePspQueue,
  identityOf,
  namespaceOf,
  PAUSE_MARK,
  rate,
  setLimit,
  type PspQueueLimit,
} from './psp-pacing';

export { applyPspRateLimit, describePspQueue, type PspPacingConfig, type PspQueueLimit } from './psp-pacing';

/**
 * The PSP incident pause (issue 13.3), over the pacing of `psp-pacing.ts` (re-exported here): a pause sets the PSP
 * queue's queue-wide limit to 0 (the server then dispatches nothing: new calls and retries alike wait as scheduled
 * activities) and tells the payouts waiting on the PSP (`pspIncident` signal); resume restores the limit, so the
 * backlog drains at that rate.
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
