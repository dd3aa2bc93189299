import { z } from 'zod';

/**
 * The task queue setting, defined once: workers, the ingress and the typed client all read `TEMPORAL_TASK_QUEUE`
 * through this schema (default `payops`: one deployment unit, one Lambda function). Runs start their children on
 * their own queue.
 */
export const taskQueueSchema = z.string().min(1, { error: 'must not be empty' }).default('payops');

/**
 * The task queue of every PSP call: the product's queue plus `-psp`. Its own queue gives the PSP calls a server-side
 * dispatch rate (pacing, and 0 for an incident pause) that holds across every worker, Lambda ones included.
 */
export function pspTaskQueue(taskQueue: string): string {
  return `${taskQueue}-psp`;
}

/**
 * The product's queue plus a suffix (a provider's `taskQueueSuffix` from the routing table: `psp` for Stripe, which is
 * {@link pspTaskQueue}; `psp-adyen` for Adyen). workflows/shared/provider-queue.ts names them by provider.
 */
export function suffixedTaskQueue(taskQueue: string, suffix: string): string {
  return `${taskQueue}-${suffix}`;
}

/** Provider idempotency key for one step of one workflow: stable across retries, resets and continue-as-new. */
export function idempotencyKey(workflowId: string, step: string): string {
  return `${workflowId}:${step}`.slice(0, 255);
}
