import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { parseOrFail } from '../shared/parse';
import { reconDayInput, type ReconDayInput, type ReconDayView, type ReconDayWorkflow } from './contract';
import { DayState } from './state';
import { awaitStatement, knowAccount, loadExpectations, openBreaks, reconcile } from './steps';

/**
 * One reconciliation account's business day: wait for the statement (until the account's deadline), ingest it, load
 * the ledger's expectations, match with the pinned rule version, open one break workflow per break and tell carried
 * breaks a later match closed them. Every step's input and output is keys, counts and digests; the run's outputs live
 * in S3 under `recon/<account>/<date>/`, and a re-run of the day writes the same bytes and opens nothing new.
 */
export async function reconDay(rawInput: ReconDayInput): Promise<ReconDayView> {
  const input = parseOrFail(reconDayInput, rawInput, 'recon day input');
  const day = new DayState(input);
  await knowAccount(day);
  await awaitStatement(day);
  await loadExpectations(day);
  await reconcile(day, workflowInfo().workflowId);
  await openBreaks(day);
  await condition(allHandlersFinished);
  return day.view();
}

/** Keeps the contract's signature (what typed clients see) in step with the function. */
const _signature: ReconDayWorkflow = reconDay;
