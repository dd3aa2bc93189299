import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { z } from 'zod';
import { configuredTaskQueue } from './config';
import {
  getRunProgressQuery,
  PAYOUT_RUN_SCHEDULE_ID,
  payoutRunInput,
  payoutRunWorkflowId,
  periodSchema,
  type PayoutRunProgress,
} from '../workflows/payouts/run-contract';
import type { payoutRun } from '../workflows/payouts/payout-run';
import { parseClientInput, startOrAttach } from './errors';

const startRunInput = payoutRunInput.extend({ period: periodSchema });

/**
 * Starts the payout run for a period, or attaches to the one already running or finished for it
 * (workflow ID = `payout-run-<period>`). Payout IDs are per creator and period, so even a run
 * started by the Schedule and one started on demand for the same period never pay anyone twice.
 */
export async function startPayoutRun(
  client: Client,
  input: z.input<typeof startRunInput>,
  taskQueue = configuredTaskQueue(),
) {
  const parsed = parseClientInput(startRunInput, input, 'payout run');
  const workflowId = payoutRunWorkflowId(parsed.period);
  const { handle, existing } = await startOrAttach<typeof payoutRun>(client, 'payoutRun', {
    taskQueue,
    workflowId,
    args: [parsed],
    staticSummary: `Payout run for ${parsed.period}`,
  });
  return { handle, alreadyStarted: existing };
}

export async function getRunProgress(client: Client, period: string): Promise<PayoutRunProgress> {
  const parsed = parseClientInput(periodSchema, period, 'period');
  return client.workflow.getHandle(payoutRunWorkflowId(parsed)).query(getRunProgressQuery);
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
