import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { Money } from '../shared/money';
import { ActivityPresets } from '../shared/activity-options';
import { parseOrFail } from '../shared/parse';
import { SA } from '../shared/search-attributes';
import { creatorPayoutWorkflowId } from './contract';
import { creatorPayout } from './creator-payout';
import { initialPayoutSearchAttributes } from './payout-tracker';
import {
  getRunProgressQuery,
  payoutRunInput,
  previousPeriod,
  reportPayoutOutcomeInput,
  reportPayoutOutcomeSignal,
  type PayoutOutcome,
  type PayoutRunInput,
  type PayoutRunProgress,
} from './run-contract';

const lookup = proxyActivities<Activities>(ActivityPresets.lookup);
const books = proxyActivities<Activities>(ActivityPresets.bookkeeping);

/** What one execution hands to the next across continue-as-new; bounded by the window and one page. */
interface RunCarry {
  period: string;
  cursor?: string;
  buffer: Array<{ creatorId: string; payoutId: string; amount: Money }>;
  exhausted: boolean;
  inFlight: string[];
  started: number;
  counts: Record<PayoutOutcome, number>;
  reportParts: number;
  executions: number;
  /** Outcomes reported after the last flush to S3 (at most the window's size). */
  rows: Array<{ payoutId: string; outcome: PayoutOutcome; errorCode?: string }>;
}

const zeroCounts = (): Record<PayoutOutcome, number> => ({
  paid: 0,
  failed: 0,
  cancelled: 0,
  parked: 0,
  'already-exists': 0,
});

/**
 * One run per period: pages through payable creators and starts a `creatorPayout` child for each,
 * at most `maxConcurrent` undecided at once (children report back by signal, so a payout that stays
 * open through its return window frees its slot once paid). Continues as new every
 * `childrenPerExecution` children; writes the per-payout outcomes to S3 in parts and a summary CSV
 * at the end. A payout that already exists (an earlier run of the period) is counted, never paid again.
 */
export async function payoutRun(rawInput: PayoutRunInput, carry?: RunCarry): Promise<PayoutRunProgress> {
  const input = parseOrFail(payoutRunInput, rawInput, 'payout run input');
  const state: RunCarry = carry ?? {
    period: input.period ?? previousPeriod(workflowInfo().startTime.toISOString()),
    buffer: [],
    exhausted: false,
    inFlight: [],
    started: 0,
    counts: zeroCounts(),
    reportParts: 0,
    executions: 0,
    rows: [],
  };
  state.executions += 1;
  const inFlight = new Set(state.inFlight);
  let rows = state.rows;
  const record = (payoutId: string, outcome: PayoutOutcome, errorCode?: string) => {
    state.counts[outcome] += 1;
    rows.push({ payoutId, outcome, errorCode });
  };
  const progress = (summaryKey?: string): PayoutRunProgress => ({
    period: state.period,
    started: state.started,
    inFlight: inFlight.size,
    counts: { ...state.counts },
    exhausted: state.exhausted,
    executions: state.executions,
    summaryKey,
  });

  setHandler(getRunProgressQuery, () => progress());
  setHandler(reportPayoutOutcomeSignal, (raw) => {
    const report = reportPayoutOutcomeInput.safeParse(raw);
    if (!report.success || !inFlight.delete(report.data.payoutId)) return; // unknown or already counted
    record(report.data.payoutId, report.data.outcome, report.data.errorCode);
  });
  upsertSearchAttributes([{ key: SA.PayoutRunId, value: [workflowInfo().workflowId] }]);
  setCurrentDetails(
    `Paying creators for ${state.period}: window of ${input.maxConcurrent}, execution ${state.executions}`,
  );

  // Histories recorded before batched starts replay one start per workflow task.
  const maxBatch = patched('payout-run-batched-starts') ? Infinity : 1;
  let startedThisExecution = 0;
  const remaining = () => (input.limit === undefined ? Infinity : input.limit - state.started);
  while (true) {
    if (state.buffer.length === 0 && !state.exhausted && remaining() > 0) {
      const page = await lookup.listPayableCreators({
        period: state.period,
        cursor: state.cursor,
        limit: Math.min(input.pageSize, remaining()),
      });
      state.buffer = page.creators;
      state.cursor = page.nextCursor;
      state.exhausted = !page.nextCursor;
    }
    if (remaining() <= 0) {
      state.exhausted = true;
      state.buffer = [];
    }
    if (state.buffer.length === 0 && state.exhausted) break;
    const room = Math.min(
      state.buffer.length,
      input.maxConcurrent - inFlight.size,
      input.childrenPerExecution - startedThisExecution,
      maxBatch,
    );
    if (room > 0) {
      // Every start of a batch goes out in one workflow task: the window fills in one round trip, not one per child.
      const batch = state.buffer.splice(0, room);
      startedThisExecution += batch.length;
      state.started += batch.length;
      await Promise.all(batch.map(startPayout));
      continue;
    }
    if (startedThisExecution >= input.childrenPerExecution || workflowInfo().continueAsNewSuggested) {
      await flushRows();
      await condition(allHandlersFinished);
      // Outcomes signalled while the flush ran are carried over, not lost.
      return continueAsNew<typeof payoutRun>(input, { ...state, inFlight: [...inFlight], rows });
    }
    await condition(() => inFlight.size < input.maxConcurrent);
  }
  await condition(() => inFlight.size === 0);
  await flushRows();
  const { key } = await books.finalizeRunReport({
    runKey: workflowInfo().workflowId,
    parts: state.reportParts,
    counts: state.counts,
  });
  await condition(allHandlersFinished);
  return progress(key);

  async function startPayout(next: RunCarry['buffer'][number]): Promise<void> {
    const { payoutId } = next;
    const runId = workflowInfo().workflowId;
    // In flight before the start resolves: a child that reports in the same activation as its start is still counted.
    inFlight.add(payoutId);
    try {
      const child = await startChild(creatorPayout, {
        workflowId: creatorPayoutWorkflowId(payoutId),
        args: [
          {
            payoutId,
            creatorId: next.creatorId,
            period: state.period,
            amount: next.amount,
            runId,
            ...(input.payoutTiming ? { timing: input.payoutTiming } : {}),
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // Histories from before batched starts set only the run ID at start.
        typedSearchAttributes:
          maxBatch === 1
            ? [{ key: SA.PayoutRunId, value: [runId] }]
            : initialPayoutSearchAttributes({ ...next, runId }),
        staticSummary: `Payout ${payoutId} (run ${state.period})`,
      });
      // A payout that closes without reporting (terminated by an operator, or failed before its first state) frees its slot too.
      child.result().then(
        () => inFlight.delete(payoutId) && record(payoutId, 'paid'),
        () => inFlight.delete(payoutId) && record(payoutId, 'failed', 'closed_without_report'),
      );
    } catch (err) {
      inFlight.delete(payoutId);
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      record(payoutId, 'already-exists');
    }
  }

  async function flushRows(): Promise<void> {
    if (rows.length === 0) return;
    const batch = rows;
    rows = [];
    await books.writeRunReportPart({ runKey: workflowInfo().workflowId, part: state.reportParts, rows: batch });
    state.reportParts += 1;
  }
}
