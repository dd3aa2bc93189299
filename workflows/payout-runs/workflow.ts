import { allHandlersFinished, condition, continueAsNew, patched } from '@temporalio/workflow';
import { parseOrFail } from '../shared/parse';
import { payoutRunInput, type PayoutRunInput, type PayoutRunProgress, type PayoutRunWorkflow } from './contract';
import { registerRunHandlers } from './handlers';
import { RunState, type RunCarry } from './state';
import { finalizeReport, flushRows, nextPage, startPayout, untilProbing } from './steps';

/**
 * One run per period: pages through payable creators and starts a `creatorPayout` child for each,
 * at most `maxConcurrent` undecided at once (children report back by signal, so a payout that stays
 * open through its return window frees its slot once paid). Continues as new every
 * `childrenPerExecution` children; writes the per-payout outcomes to S3 in parts and a summary CSV
 * at the end. A payout that already exists (an earlier run of the period) is counted, never paid again.
 */
export async function payoutRun(rawInput: PayoutRunInput, carry?: RunCarry): Promise<PayoutRunProgress> {
  const input = parseOrFail(payoutRunInput, rawInput, 'payout run input');
  const run = new RunState(input, carry);
  registerRunHandlers(run);

  // Histories recorded before batched starts replay one start per workflow task.
  const batched = patched('payout-run-batched-starts');
  const probes = patched('payout-run-probe-in-flight');
  while (true) {
    if (run.needsPage()) await nextPage(run);
    run.stopAtLimit();
    if (run.everyoneStarted()) break;
    const room = run.room(batched ? Infinity : 1);
    if (room > 0) {
      // Every start of a batch goes out in one workflow task: the window fills in one round trip, not one per child.
      await Promise.all(run.takeBatch(room).map((next) => startPayout(run, next, batched)));
      continue;
    }
    if (run.timeToContinueAsNew()) {
      await flushRows(run);
      await condition(allHandlersFinished);
      return continueAsNew<typeof payoutRun>(input, run.carryOver());
    }
    await untilProbing(run, probes, () => run.windowHasRoom());
  }
  await untilProbing(run, probes, () => run.inFlightCount === 0);
  await flushRows(run);
  const summaryKey = await finalizeReport(run);
  await condition(allHandlersFinished);
  return run.view(summaryKey);
}

/** Keeps the contract's signature (what typed clients see) in step with the function. */
const _signature: PayoutRunWorkflow = payoutRun;
