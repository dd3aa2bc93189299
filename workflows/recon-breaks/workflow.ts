import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { parseOrFail } from '../shared/parse';
import { reconBreakInputSchema, type ReconBreakInput, type ReconBreakResult } from './contract';
import { registerHandlers } from './handlers';
import { BreakState } from './state';
import { checkClaims } from './steps';

/**
 * One reconciliation break, from the first observation to closed: it waits on ops or finance until its SLA's due time
 * (the stuck-work lists find it), takes verified staff commands (link, mark received, adjust or rebook with four-eyes
 * above a threshold, void, reopen), and closes by itself when a later day's own results prove the counterpart. A
 * resolved break stays open for its reopen window, then returns.
 *
 * An event loop: each pass checks the counterpart claims that arrived; commands run in their handlers (one at a time,
 * see `busy`). The loop waits for news, or, once resolved, for the end of the reopen window.
 */
export async function reconBreak(rawInput: ReconBreakInput): Promise<ReconBreakResult> {
  const input = parseOrFail(reconBreakInputSchema, rawInput, 'break input') as ReconBreakInput;
  const b = new BreakState(workflowInfo().workflowId, input, Date.now());
  registerHandlers(b);

  for (;;) {
    await condition(() => !b.busy);
    b.takeNews();
    await checkClaims(b);
    if (b.hasNews) continue;
    const closesAt = b.status === 'resolved' ? b.closesAt : undefined;
    const interrupted = () => b.hasNews || b.busy;
    if (closesAt === undefined) {
      await condition(interrupted);
      continue;
    }
    const left = closesAt - Date.now();
    if (left > 0 && (await condition(interrupted, left, { summary: 'reopen window' }))) continue;
    if (b.busy || b.hasNews || b.status !== 'resolved') continue;
    b.close();
    break;
  }
  await condition(allHandlersFinished);
  return b.result();
}
