import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { parseOrFail } from '../shared/parse';
import {
  reconDayInput,
  reconDayWorkflowId,
  RECON_DAY_WORKFLOW,
  type ReconDayInput,
  type ReconDayView,
  type ReconDayWorkflow,
} from './contract';
import { DayState } from './state';
import { awaitStatement, knowAccount, loadExpectations, openBreaks, reconcile } from './steps';

/**
 * One reconciliation account's business day: wait for the statement (until the account's deadline), ingest it, load
 * the ledger's expectations, match with the pinned rule version, open one break workflow per break and tell carried
 * breaks a later match closed them. Every step's input and output is keys, counts and digests; the run's outputs live
 * in S3 under `recon/<account>/<date>/`, and a re-run of the day writes the same bytes and opens nothing new.
 *
 * Started by the account's Schedule (no `businessDate`), the run first learns which day it is (the day before, in the
 * account's timezone) and runs that day as its child under the day's own ID (`recon-day-<account>-<date>`,
 * REJECT_DUPLICATE): a day runs once whoever starts it, and a Schedule run that finds the day already started (by
 * hand, or a catch-up) ends at once.
 */
export async function reconDay(rawInput: ReconDayInput): Promise<ReconDayView> {
  const input = parseOrFail(reconDayInput, rawInput, 'recon day input');
  const day = new DayState(input);
  await knowAccount(day);
  if (!input.businessDate) return runScheduledDay(day);
  await awaitStatement(day);
  await loadExpectations(day);
  await reconcile(day, workflowInfo().workflowId);
  await openBreaks(day);
  await condition(allHandlersFinished);
  return day.view();
}

/** A Schedule's run: the day under its own ID, as a child that outlives this run if it is cancelled. */
async function runScheduledDay(day: DayState): Promise<ReconDayView> {
  const { accountId, businessDate } = day.facts;
  try {
    const child = await startChild<ReconDayWorkflow>(RECON_DAY_WORKFLOW, {
      workflowId: reconDayWorkflowId(accountId, businessDate),
      args: [{ accountId, businessDate, ...(day.input.rulesVersion ? { rulesVersion: day.input.rulesVersion } : {}) }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Reconciliation of ${accountId} for ${businessDate}`,
    });
    day.delegated(child.workflowId);
    // The day's own answer, saying which run it was.
    return { ...(await child.result()), day: { workflowId: child.workflowId, alreadyStarted: false } };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    day.delegated(reconDayWorkflowId(accountId, businessDate), true);
    return day.view();
  }
}

/** Keeps the contract's signature (what typed clients see) in step with the function. */
const _signature: ReconDayWorkflow = reconDay;
