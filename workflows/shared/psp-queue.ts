import { proxyActivities, workflowInfo, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import { ActivityPresets } from './activity-options';
import { pspTaskQueue, suffixedTaskQueue } from './task-queue';

/**
 * The proxy a PSP call goes through: it schedules the activity on the PSP task queue (`<workflow's queue>-psp`), whose
 * server-side limits pace every PSP call and drop to 0 during an incident pause. No patch: an activity's task queue is
 * not part of the replay check (every recorded history, scheduled on the workflow's own queue, replays with this), and
 * a patch would cost every new workflow a marker and a `TemporalChangeVersion` upsert, a billable action.
 */
export function viaPspQueue<A extends object>(preset: keyof typeof ActivityPresets): ActivityInterfaceFor<A> {
  return viaQueue<A>(preset, pspTaskQueue(workflowInfo().taskQueue));
}

/**
 * The same for one routed provider: its activities go to `<workflow's queue>-<suffix>` (the routing table's
 * `taskQueueSuffix`, e.g. `psp-adyen`), with the provider's own pacing and incident pause.
 */
export function viaProviderQueue<A extends object>(
  preset: keyof typeof ActivityPresets,
  suffix: string,
  overrides: Pick<ActivityOptions, 'scheduleToCloseTimeout'> = {},
): ActivityInterfaceFor<A> {
  return viaQueue<A>(preset, suffixedTaskQueue(workflowInfo().taskQueue, suffix), overrides);
}

function viaQueue<A extends object>(
  preset: keyof typeof ActivityPresets,
  taskQueue: string,
  overrides: Pick<ActivityOptions, 'scheduleToCloseTimeout'> = {},
): ActivityInterfaceFor<A> {
  // Read per call, not at module load: the queue is the running workflow's (tests and the bench use their own).
  const options = { ...ActivityPresets[preset], ...overrides, taskQueue };
  // Each PSP activity is its own fairness key (`psp:<activity>`), so the server paces every kind of PSP call at the
  // provider's per-endpoint limit on its own (the queue's fairness-key rate limit), under the queue-wide account
  // limit: a backlog of status polls does not slow new transfers, nor the other way round.
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get: (_target, name: string) =>
      proxyActivities<A>({ ...options, priority: { fairnessKey: `psp:${name}` } })[name as keyof A],
  });
}
