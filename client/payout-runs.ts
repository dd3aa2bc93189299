import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import {
  getRunProgressQuery,
  PAYOUT_RUN_SCHEDULE_ID,
  payoutRunInput,
  payoutRunWorkflowId,
  periodSchema,
  type PayoutRunProgress,
  type PayoutRunWorkflow,
} from '../workflows/payout-runs/contract';
import { configuredTaskQueue } from './config';
import { parseClientInput, startOrAttach } from './errors';

export { payoutRunWorkflowId } from '../workflows/payout-runs/contract';
export type { PayoutRunInput, PayoutRunProgress } from '../workflows/payout-runs/contract';

const startRunInput = payoutRunInput.extend({ period: periodSchema });

export type PayoutRunHandle = WorkflowHandle<PayoutRunWorkflow>;

/**
 * Starts the payout run for a period, or attaches to the one already running or finished for it
 * (workflow ID = `payout-run-<period>`, `existing: true`). Payout IDs are per creator and period, so even a run
 * started by the Schedule and one started on demand for the same period never pay anyone twice.
 */
export async function startPayoutRun(
  client: Client,
  input: z.input<typeof startRunInput>,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: PayoutRunHandle; existing: boolean }> {
  const parsed = parseClientInput(startRunInput, input, 'payout run');
  return startOrAttach<PayoutRunWorkflow>(client, 'payoutRun', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId: payoutRunWorkflowId(parsed.period),
    args: [parsed],
    staticSummary: `Payout run for ${parsed.period}`,
  });
}

/**
 * The progress of the on-demand run of `period` (the Schedule's runs use their own workflow ID). Asked under the older
 * query name, which every run answers, whichever code version it runs (`getState` is the same progress).
 */
export async function getRunProgress(client: Client, period: string): Promise<PayoutRunProgress> {
  const parsed = parseClientInput(periodSchema, period, 'period');
  return client.workflow.getHandle<PayoutRunWorkflow>(payoutRunWorkflowId(parsed)).query(getRunProgressQuery);
}

/**
 * Creates (once) the Schedule that starts a run on the 1st of every month at 06:00 UTC for the
 * month before. Overlap policy SKIP: a run still going is never doubled by the next month's.
 */
export async function ensurePayoutSchedule(
  client: Client,
  opts: { taskQueue?: string; cron?: string } = {},
): Promise<{ created: boolean }> {
  try {
    await client.schedule.create({
      scheduleId: PAYOUT_RUN_SCHEDULE_ID,
      spec: { cronExpressions: [opts.cron ?? '0 6 1 * *'] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' },
      action: {
        type: 'startWorkflow',
        workflowType: 'payoutRun',
        taskQueue: opts.taskQueue ?? configuredTaskQueue(),
        workflowId: 'payout-run-scheduled',
        args: [{}],
      },
    });
    return { created: true };
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return { created: false };
    throw err;
  }
}
