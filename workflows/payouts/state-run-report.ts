import { getExternalWorkflowHandle, log, patched } from '@temporalio/workflow';
import { reportPayoutOutcomeSignal, type PayoutStatus } from './contract';
import { parkedAfterStart, runOutcomeOf } from './policy';

/**
 * The report a payout owes the run that started it: its first decisive outcome, once, so the run's sliding window
 * moves on and the run can end. Since `payout-report-parked`, a payout that parks after it started (on hold, overdue
 * confirmation, outcome unknown) reports `parked` too; before, such a payout never reported and its run never ended.
 * Returns the delivery (undefined when nothing is owed now).
 */
export function reportToRun(s: PayoutStatus): Promise<void> | undefined {
  const { runId, payoutId, state, lastErrorCode } = s;
  if (!runId) return undefined;
  const outcome =
    runOutcomeOf(state) ??
    (parkedAfterStart(state, lastErrorCode) && patched('payout-report-parked') ? 'parked' : undefined);
  if (!outcome) return undefined;
  return getExternalWorkflowHandle(runId)
    .signal(reportPayoutOutcomeSignal, { payoutId, outcome, ...(lastErrorCode ? { errorCode: lastErrorCode } : {}) })
    .catch((err: unknown) =>
      log.warn('could not report to the payout run', {
        runId,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
}
