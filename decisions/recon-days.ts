/**
 * The reconciliation reads and the re-run the decision service serves the ops CLI (`npx payops-ops recon …`): a day's
 * summary from S3 with its runs in Temporal, a re-run under the next free `-r<K>`, and a rule version's preview (a dry
 * run that writes nothing). Staff hold no AWS or Temporal credentials: the service reads and starts for them.
 */
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AuditPort } from '../activities/adapters/audit/port';
import type { ReportsPort } from '../activities/adapters/reports/port';
import type { ReconAccount } from '../activities/recon-days/accounts';
import { ClientInputError } from '../client/errors';
import { previewDay, readDaySummary, type DaySummary, type PreviewResult } from '../activities/recon-days/preview';

export type { PreviewResult } from '../activities/recon-days/preview';
import { RECON_DAY_WORKFLOW, reconDayWorkflowId, type ReconDayInput } from '../workflows/recon-days/contract';

/** An account no configuration names: a 400 naming the field, never a 503. */
function knownAccount(accounts: readonly ReconAccount[], accountId: string): void {
  if (!accounts.some((a) => a.accountId === accountId))
    throw new ClientInputError(`accountId: no reconciliation account ${accountId}`, [
      { path: 'accountId', message: `no reconciliation account ${accountId} is configured` },
    ]);
}

export interface ReconDayRun {
  workflowId: string;
  status: string;
  startTime: string;
  closeTime?: string;
}

export interface ReconDayReport {
  accountId: string;
  businessDate: string;
  /** Absent when the day has not finished a run yet. */
  summary?: DaySummary & Record<string, unknown>;
  runs: ReconDayRun[];
}

/** A day's summary and every run of it (the first and its re-runs), newest first. */
export async function reconDayReport(
  client: Client,
  reports: ReportsPort,
  accounts: readonly ReconAccount[],
  accountId: string,
  date: string,
): Promise<ReconDayReport> {
  knownAccount(accounts, accountId);
  const summary = await readDaySummary(reports, accountId, date);
  const runs: ReconDayRun[] = [];
  const prefix = reconDayWorkflowId(accountId, date);
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${prefix}'` })) {
    if (w.workflowId !== prefix && !w.workflowId.startsWith(`${prefix}-r`)) continue;
    runs.push({
      workflowId: w.workflowId,
      status: w.status.name,
      startTime: w.startTime.toISOString(),
      ...(w.closeTime ? { closeTime: w.closeTime.toISOString() } : {}),
    });
  }
  runs.sort((a, b) => (a.startTime < b.startTime ? 1 : -1));
  return { accountId, businessDate: date, ...(summary ? { summary: summary as ReconDayReport['summary'] } : {}), runs };
}

/**
 * Re-runs a day under the next free `recon-day-<account>-<date>-r<K>` (REJECT_DUPLICATE: each K once), audited. A
 * re-run reads the same inputs and writes the same outputs; the break workflows it signals record the observation once.
 */
export async function rerunReconDay(
  client: Client,
  audit: AuditPort,
  o: {
    accounts: readonly ReconAccount[];
    taskQueue: string;
    accountId: string;
    date: string;
    by: string;
    reason: string;
  },
): Promise<{ workflowId: string; rerun: number }> {
  knownAccount(o.accounts, o.accountId);
  for (let k = 1; k <= 999; k++) {
    const workflowId = reconDayWorkflowId(o.accountId, o.date, k);
    const input: ReconDayInput = { accountId: o.accountId, businessDate: o.date, rerun: k };
    try {
      await client.workflow.start(RECON_DAY_WORKFLOW, {
        taskQueue: o.taskQueue,
        workflowId,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [input],
        staticSummary: `Re-run ${k} of the reconciliation of ${o.accountId} for ${o.date}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw err;
    }
    await audit.append({
      stream: `recon-day:${o.accountId}:${o.date}`,
      eventId: `rerun-${k}`,
      at: new Date().toISOString(),
      type: 'recon.day_rerun',
      data: { workflowId, by: o.by, reason: o.reason },
    });
    return { workflowId, rerun: k };
  }
  throw new Error(`${o.accountId} ${o.date} has been re-run 999 times`);
}

/** The preview, for a configured account only. */
export function previewReconDay(
  reports: ReportsPort,
  accounts: readonly ReconAccount[],
  accountId: string,
  date: string,
  rules: string,
): Promise<PreviewResult | undefined> {
  knownAccount(accounts, accountId);
  return previewDay(reports, accounts, accountId, date, rules);
}
