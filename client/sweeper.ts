import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  SWEEP_SCHEDULE_ID,
  SWEEP_WORKFLOW_ID,
  stuckWorkSweepInput,
  type SweepThresholds,
} from '../workflows/sweeper/contract';
import { parseClientInput } from './errors';

export { SWEEP_SCHEDULE_ID } from '../workflows/sweeper/contract';
export type { StuckWorkSweepResult, SweepThresholds } from '../workflows/sweeper/contract';

/**
 * What the sweep's Schedule is made of, named as the processes' configuration names it (`workers/config.ts`), so the
 * parsed configuration can be passed as it is.
 */
export interface SweepScheduleConfig {
  /** Milliseconds between sweeps (`SWEEP_INTERVAL`). */
  SWEEP_INTERVAL: number;
  SWEEP_THRESHOLDS: SweepThresholds;
  WEB_UI_URL: string;
  PAYOPS_STAGE: string;
  TEMPORAL_TASK_QUEUE: string;
}

/**
 * Creates the `stuck-work-sweep` Schedule, or brings an existing one up to `config` (interval, thresholds, links,
 * stage, task queue) while keeping whether ops paused it: safe to call at every start and every release.
 * Overlap policy SKIP (a slow sweep is never doubled) and a one-minute catch-up window (a sweep missed during an
 * outage is stale: the next one counts afresh).
 */
export async function ensureSweepSchedule(client: Client, config: SweepScheduleConfig): Promise<{ created: boolean }> {
  const input = parseClientInput(
    stuckWorkSweepInput,
    { thresholds: config.SWEEP_THRESHOLDS, webUiUrl: config.WEB_UI_URL, stage: config.PAYOPS_STAGE },
    'sweep schedule',
  );
  const spec = { intervals: [{ every: config.SWEEP_INTERVAL }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'stuckWorkSweep',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: SWEEP_WORKFLOW_ID,
    args: [input],
    // Bounded like its activities: a sweep that cannot finish in this time is replaced by the next one.
    workflowExecutionTimeout: Math.max(config.SWEEP_INTERVAL, 10 * 60_000),
  };
  try {
    await client.schedule.create({ scheduleId: SWEEP_SCHEDULE_ID, spec, policies, action });
    return { created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(SWEEP_SCHEDULE_ID).update((previous) => ({
    spec,
    policies,
    action,
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return { created: false };
}
