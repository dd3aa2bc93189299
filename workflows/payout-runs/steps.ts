import {
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { activityProxies } from '../shared/activities';
import { SA } from '../shared/search-attributes';
import {
  creatorPayoutWorkflowId,
  initialPayoutSearchAttributes,
  probeFromRunSignal,
  type CreatorPayoutWorkflow,
} from '../payouts/contract';
import type { PayoutRunActivities } from './contract';
import type { Payable, RunState } from './state';

/** The run's activity proxies, one per preset; declared once for the domain. */
const { lookup, books } = activityProxies<PayoutRunActivities>();

/** The next page of payable creators, at most what the run's `limit` leaves. */
export async function nextPage(run: RunState): Promise<void> {
  const page = await lookup.listPayableCreators({
    period: run.period,
    cursor: run.cursor,
    limit: Math.min(run.input.pageSize, run.remaining()),
  });
  run.addPage(page);
}

/**
 * Starts one `creatorPayout` child, abandoned on close (it outlives the run through its return window). A payout that
 * already exists (an earlier run of the period) is counted, never paid again. `batched` says whether this history
 * starts its children in batches (and with their full search attributes) or one per task as recorded before.
 */
export async function startPayout(run: RunState, next: Payable, batched: boolean): Promise<void> {
  const { payoutId } = next;
  const runId = run.runId;
  run.starting(payoutId);
  try {
    const child = await startChild<CreatorPayoutWorkflow>('creatorPayout', {
      workflowId: creatorPayoutWorkflowId(payoutId),
      args: [
        {
          payoutId,
          creatorId: next.creatorId,
          period: run.period,
          amount: next.amount,
          runId,
          ...(run.input.payoutTiming ? { timing: run.input.payoutTiming } : {}),
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Histories from before batched starts set only the run ID at start.
      typedSearchAttributes: batched
        ? initialPayoutSearchAttributes({ ...next, runId })
        : [{ key: SA.PayoutRunId, value: [runId] }],
      staticSummary: `Payout ${payoutId} (run ${run.period})`,
    });
    child.result().then(
      () => run.closed(payoutId, 'paid'),
      () => run.closed(payoutId, 'failed', 'closed_without_report'),
    );
  } catch (err) {
    run.startFailed(payoutId);
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    run.alreadyExists(payoutId);
  }
}

/**
 * Probes every in-flight payout an earlier execution started (this execution holds no handle on it): the signal
 * fails when the payout closed, which then counts as failed without a report and frees its slot.
 */
export async function probeInherited(run: RunState): Promise<void> {
  await Promise.all(
    run.inheritedInFlight().map(async (payoutId) => {
      try {
        await getExternalWorkflowHandle(creatorPayoutWorkflowId(payoutId)).signal(probeFromRunSignal);
      } catch {
        run.closed(payoutId, 'failed', 'closed_without_report');
      }
    }),
  );
}

/**
 * Waits for `done`. Since `payout-run-probe-in-flight`, while payouts of an earlier execution are in flight, it
 * probes them every `probeEveryMs` (a payout terminated during or after continue-as-new never reports).
 */
export async function untilProbing(run: RunState, probes: boolean, done: () => boolean): Promise<void> {
  for (;;) {
    if (!probes || run.inheritedInFlight().length === 0) return condition(done);
    if (await condition(done, run.input.probeEveryMs ?? HOUR)) return;
    await probeInherited(run);
  }
}
const HOUR = 3_600_000;

/** Writes the outcomes reported since the last part to the report (nothing when there are none). */
export async function flushRows(run: RunState): Promise<void> {
  const rows = run.takeRows();
  if (rows.length === 0) return;
  await books.writeRunReportPart({ runKey: run.runId, part: run.reportParts, rows });
  run.partWritten();
}

/** Joins the parts into the summary CSV; returns its key. */
export async function finalizeReport(run: RunState): Promise<string> {
  const { key } = await books.finalizeRunReport({ runKey: run.runId, parts: run.reportParts, counts: run.counts });
  return key;
}
