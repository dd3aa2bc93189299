import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { RECON_DAY_WORKFLOW, reconScheduleId, type ReconDayInput } from '../workflows/recon-days/contract';

export { reconScheduleId, reconDayWorkflowId, reconKeys } from '../workflows/recon-days/contract';
export type { ReconDayView } from '../workflows/recon-days/contract';

/** What a reconciliation Schedule needs of an account (its ID and timezone; never its IBAN). */
export interface ReconScheduleAccount {
  accountId: string;
  timezone: string;
}

/** Local time the daily run starts: the statement of the day before is usually there by then. */
export const RECON_RUN_HOUR = 7;

/**
 * Creates one Schedule per reconciliation account (`recon-<accountId>`: daily at 07:00 in the account's timezone,
 * overlap SKIP), or brings existing ones up to date while keeping whether ops paused them: safe at every start and
 * every release. The Schedule's run has no business date: it computes the day before (account time) and runs it under
 * the day's own ID (`recon-day-<account>-<date>`, REJECT_DUPLICATE), so a day is reconciled once whoever starts it.
 * A run missed during an outage is caught up within 12 hours (later, the day's date would already be the next day:
 * ops run the missed day by hand, `npx payops-ops recon rerun`).
 */
export async function ensureReconSchedules(
  client: Client,
  config: { TEMPORAL_TASK_QUEUE: string; accounts: readonly ReconScheduleAccount[] },
): Promise<{ created: string[]; updated: string[] }> {
  const created: string[] = [];
  const updated: string[] = [];
  for (const a of config.accounts) {
    const scheduleId = reconScheduleId(a.accountId);
    const spec = { calendars: [{ hour: RECON_RUN_HOUR, minute: 0 }], timezone: a.timezone };
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 12 * 3_600_000 };
    const input: ReconDayInput = { accountId: a.accountId };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: RECON_DAY_WORKFLOW,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: `recon-scheduled-${a.accountId}`,
      args: [input],
    };
    try {
      await client.schedule.create({ scheduleId, spec, policies, action });
      created.push(scheduleId);
      continue;
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    await client.schedule.getHandle(scheduleId).update((previous) => ({
      spec,
      policies,
      action,
      state: { paused: previous.state.paused, note: previous.state.note },
    }));
    updated.push(scheduleId);
  }
  return { created, updated };
}
