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
import { parseClientInput, startOrAttach, type StartOptions, type Started } from './errors';
import { businessIdOf, listRows } from './lists';

export { payoutRunWorkflowId } from '../workflows/payout-runs/contract';
export type { PayoutRunInput, PayoutRunProgress } from '../workflows/payout-runs/contract';

const startRunInput = payoutRunInput.extend({ period: periodSchema });

/** What {@link startPayoutRun} takes: the period (`2026-11`) and the run's optional settings. */
export type StartPayoutRunInput = z.input<typeof startRunInput>;

export type PayoutRunHandle = WorkflowHandle<PayoutRunWorkflow>;

/**
 * Starts the payout run for a period, or attaches to the one already running or finished for it
 * (workflow ID = `payout-run-<period>`, `existing: true`). Payout IDs are per creator and period, so even a run
 * started by the Schedule and one started on demand for the same period never pay anyone twice.
 */
export async function startPayoutRun(
  client: Client,
  input: StartPayoutRunInput,
  opts: StartOptions = {},
): Promise<Started<PayoutRunWorkflow>> {
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
export async function getPayoutRunState(client: Client, period: string): Promise<PayoutRunProgress> {
  const parsed = parseClientInput(periodSchema, period, 'period');
  return client.workflow.getHandle<PayoutRunWorkflow>(payoutRunWorkflowId(parsed)).query(getRunProgressQuery);
}

const listFilter = z.object({ running: z.boolean().default(false) }).strict();

/** What {@link listPayoutRuns} filters on (default: every run, running or closed). */
export type PayoutRunListFilter = z.input<typeof listFilter>;

/** The visibility query behind {@link listPayoutRuns}. */
export function payoutRunsListQuery(filter: PayoutRunListFilter = {}): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [`WorkflowType = 'payoutRun'`, ...(f.running ? [`ExecutionStatus = 'Running'`] : [])].join(' AND ');
}

/** One row of the payout runs list (visibility: eventually consistent, fine for a list). */
export interface PayoutRunListRow {
  /** The period of an on-demand run (its business ID); undefined for a run the Schedule started. */
  period: string | undefined;
  workflowId: string;
  /** `RUNNING`, `COMPLETED`, `FAILED`, … (Temporal's execution status). */
  status: string;
  startedAt: Date;
  closedAt: Date | undefined;
}

/** Payout runs (on demand and scheduled), newest start first. */
export async function listPayoutRuns(client: Client, filter: PayoutRunListFilter = {}): Promise<PayoutRunListRow[]> {
  const rows = await listRows(client, payoutRunsListQuery(filter), (wf): PayoutRunListRow => {
    const id = businessIdOf(payoutRunWorkflowId, wf.workflowId);
    return {
      period: id !== undefined && periodSchema.safeParse(id).success ? id : undefined,
      workflowId: wf.workflowId,
      status: wf.status.name,
      startedAt: wf.startTime,
      closedAt: wf.closeTime,
    };
  });
  return rows.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
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

// ---------- the names before the verbs were made the same in every domain ----------

/** @deprecated use {@link getPayoutRunState} */
export const getRunProgress = getPayoutRunState;
