import { setHandler } from '@temporalio/workflow';
import { reportPayoutOutcomeInput, reportPayoutOutcomeSignal } from './contract';
import type { RunState } from './state';

/**
 * Registers the run's signal (its queries are registered by the state's `VisibleState`), before the first await.
 * A malformed report is dropped: the child's closing still frees its slot.
 */
export function registerRunHandlers(run: RunState): void {
  setHandler(reportPayoutOutcomeSignal, (raw) => {
    const report = reportPayoutOutcomeInput.safeParse(raw);
    if (report.success) run.reported(report.data);
  });
  run.retrying.register(() => run.noticesChanged());
}
