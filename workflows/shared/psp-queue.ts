import { patched, proxyActivities, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import { ActivityPresets } from './activity-options';
import { pspTaskQueue } from './task-queue';

/**
 * The proxy a PSP call goes through: since the domain's patch (`payout-psp-queue`, `approvals-psp-queue`,
 * `disputes-psp-queue`) it schedules the activity on the PSP task queue (`<workflow's queue>-psp`), whose
 * server-side rate limit paces every PSP call and drops to 0 during an incident pause; histories recorded before the
 * patch keep `fallback` (the workflow's own queue), so they replay. Each activity is paced as its own endpoint. Call it where the activity is scheduled: the patch
 * marker goes right before the first PSP call, and workflows that never call the PSP get no marker.
 */
export function viaPspQueue<A extends object>(
  patchId: string,
  preset: keyof typeof ActivityPresets,
  fallback: ActivityInterfaceFor<A>,
): ActivityInterfaceFor<A> {
  if (!patched(patchId)) return fallback;
  // Read per call, not at module load: the queue is the running workflow's (tests and the bench use their own).
  const options = { ...ActivityPresets[preset], taskQueue: pspTaskQueue(workflowInfo().taskQueue) };
  // Each PSP activity is its own fairness key (`psp:<activity>`), so the server paces every kind of PSP call at the
  // provider's per-endpoint limit on its own (the queue's fairness-key rate limit), under the queue-wide account
  // limit: a backlog of status polls does not slow new transfers, nor the other way round.
  return new Proxy(fallback, {
    get: (_target, name: string) =>
      proxyActivities<A>({ ...options, priority: { fairnessKey: `psp:${name}` } })[name as keyof A],
  });
}
