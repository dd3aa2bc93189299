import { taskQueueSchema } from '../workflows/shared/task-queue';

/**
 * The task queue the typed client starts workflows on: `TEMPORAL_TASK_QUEUE`, as the workers read it (same schema),
 * so a client and the workers it serves never disagree. A start's `taskQueue` option overrides it.
 */
export function configuredTaskQueue(env: Record<string, string | undefined> = process.env): string {
  const parsed = taskQueueSchema.safeParse(env['TEMPORAL_TASK_QUEUE']);
  if (!parsed.success) throw new Error(`TEMPORAL_TASK_QUEUE: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
