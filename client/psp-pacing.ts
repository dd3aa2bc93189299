import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { providerTaskQueues } from '../workflows/shared/provider-queue';
import { pspTaskQueue } from '../workflows/shared/task-queue';
import { configuredTaskQueue } from './config';
import { parseClientInput } from './errors';

/**
 * PSP pacing (issue 14.1): every PSP call is an activity on the PSP task queue (`<TEMPORAL_TASK_QUEUE>-psp`), with a
 * fairness key per activity. The server dispatches each key at most at the queue's fairness-key limit (the provider's
 * per-endpoint limit) and the whole queue at most at its queue-wide limit (the account's), whichever workers poll it
 * (long-lived or Lambda). An incident pause (`psp-control.ts`) sets the queue-wide limit to 0.
 */

export const ACTIVITY = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
/** A pause's rate-limit reason starts with this, then the incident ID: how resume and pacing recognise a pause. */
export const PAUSE_MARK = 'psp-incident:';
const IDENTITY = 'payops-psp-control';
export const rate = z.number().positive().max(10_000);
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
  /** When the queue-wide limit was last set (for a pause: since when the provider is paused), as the server records it. */
  since?: string;
  /** Who set it (the identity of the change: `payops-psp-control:<operator>`). */
  setBy?: string;
}

/** What {@link applyPspRateLimit} needs of the process configuration (`AppConfig` has it). */
export interface PspPacingConfig {
  TEMPORAL_TASK_QUEUE: string;
  /** Per endpoint: each PSP activity (fairness key `psp:<activity>`) is dispatched at most this often. */
  PSP_RATE_LIMIT_RPS: number;
  /** All PSP calls together (the queue-wide limit; the pause sets it to 0). Default: the per-endpoint limit. */
  PSP_ACCOUNT_RATE_LIMIT_RPS?: number;
}

export const namespaceOf = (client: Client) => client.options.namespace;

/** Reads the PSP queue's rate limit (and whether it is an incident pause) from the server. */
export async function describePspQueue(client: Client, productQueue = configuredTaskQueue()): Promise<PspQueueLimit> {
  return describeQueueLimit(client, pspTaskQueue(productQueue));
}

/** Reads one queue's rate limit (and whether it is an incident pause): any provider's queue (`psp-control.ts`). */
export async function describeQueueLimit(client: Client, name: string): Promise<PspQueueLimit> {
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
  const at = limit.metadata?.updateTime;
  const since =
    at?.seconds != null ? new Date(Number(at.seconds) * 1000 + Math.floor((at.nanos ?? 0) / 1e6)) : undefined;
  const setBy = limit.metadata?.updateIdentity || undefined;
  return {
    taskQueue: name,
    ratePerSecond,
    ...endpointLimit,
    ...(reason ? { reason } : {}),
    ...(pausedBy ? { pausedBy } : {}),
    ...(since && Number.isFinite(since.getTime()) ? { since: since.toISOString() } : {}),
    ...(setBy ? { setBy } : {}),
  };
}

export const identityOf = (operator: string | undefined) => (operator ? `${IDENTITY}:${operator}` : IDENTITY);

export async function setLimit(
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
  return applyQueueLimits(client, pspTaskQueue(config.TEMPORAL_TASK_QUEUE), {
    endpointRatePerSecond,
    ratePerSecond,
    endpointVariable: 'PSP_RATE_LIMIT_RPS',
    accountVariable: 'PSP_ACCOUNT_RATE_LIMIT_RPS',
  });
}

/** What {@link applyAdyenRateLimit} needs: the product queue and Adyen's pacing (workers/config-adyen.ts). */
export interface AdyenPacingConfig {
  TEMPORAL_TASK_QUEUE: string;
  /** `ADYEN_RATE_LIMIT_RPS`: each Adyen activity (fairness key) at most this often. */
  rateLimitRps: number;
  /** `ADYEN_ACCOUNT_RATE_LIMIT_RPS`: all Adyen calls together (the pause sets it to 0). */
  accountRateLimitRps: number;
}

/**
 * The same for Adyen's own queue(s) (`<q>-psp-adyen`, every table version's: workflows/shared/provider-queue.ts), so
 * Adyen is paced on its own limits, apart from Stripe's, and a pause records the limit its resume restores (a resume
 * then needs no rate). A paused queue keeps its 0.
 */
export async function applyAdyenRateLimit(
  client: Client,
  config: AdyenPacingConfig,
): Promise<Array<PspQueueLimit & { applied: boolean }>> {
  const endpointRatePerSecond = parseClientInput(rate, config.rateLimitRps, 'ADYEN_RATE_LIMIT_RPS');
  const ratePerSecond = parseClientInput(rate, config.accountRateLimitRps, 'ADYEN_ACCOUNT_RATE_LIMIT_RPS');
  const out: Array<PspQueueLimit & { applied: boolean }> = [];
  for (const queue of providerTaskQueues(config.TEMPORAL_TASK_QUEUE, 'adyen'))
    out.push(
      await applyQueueLimits(client, queue, {
        endpointRatePerSecond,
        ratePerSecond,
        endpointVariable: 'ADYEN_RATE_LIMIT_RPS',
        accountVariable: 'ADYEN_ACCOUNT_RATE_LIMIT_RPS',
      }),
    );
  return out;
}

/** One provider queue's per-endpoint (fairness key) and queue-wide limits; a pause's 0 is left alone. */
async function applyQueueLimits(
  client: Client,
  name: string,
  l: { endpointRatePerSecond: number; ratePerSecond: number; endpointVariable: string; accountVariable: string },
): Promise<PspQueueLimit & { applied: boolean }> {
  const current = await describeQueueLimit(client, name);
  await client.workflowService.updateTaskQueueConfig({
    namespace: namespaceOf(client),
    identity: IDENTITY,
    taskQueue: current.taskQueue,
    taskQueueType: ACTIVITY,
    updateFairnessKeyRateLimitDefault: {
      rateLimit: { requestsPerSecond: l.endpointRatePerSecond },
      reason: `${l.endpointVariable}=${l.endpointRatePerSecond} per endpoint`,
    },
  });
  const { endpointRatePerSecond, ratePerSecond } = l;
  if (current.pausedBy) return { ...current, endpointRatePerSecond, applied: false };
  await setLimit(client, current.taskQueue, ratePerSecond, `${l.accountVariable}=${ratePerSecond}`);
  return { taskQueue: current.taskQueue, ratePerSecond, endpointRatePerSecond, applied: true };
}
