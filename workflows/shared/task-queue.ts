/** The task queue every workflow and activity of the product runs on (one deployment unit, one Lambda function). */
export const TASK_QUEUE = 'payops';

/** Provider idempotency key for one step of one workflow: stable across retries, resets and continue-as-new. */
export function idempotencyKey(workflowId: string, step: string): string {
  return `${workflowId}:${step}`.slice(0, 255);
}
