import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import { parseOrFail } from '../shared/parse';
import { disputeCaseInput, type DisputeCaseResult } from './contract';
import { registerHandlers } from './handlers';
import { CaseState } from './state';
import { actOnDecision, applyInbox, onWake, openCase, syncLedger } from './steps';

/**
 * One PSP dispute, from the first webhook to won or lost (and through pre-arbitration rounds): hold the money,
 * gather evidence, pace the team with milestones and escalations, submit once or accept, and settle the ledger.
 *
 * An event loop rather than a straight story, because webhooks, ops commands and the case's own timers arrive in any
 * order: each pass applies what arrived and acts on it; then the case sleeps until news or its next timer. The case
 * shows each change itself (`CaseState`); `publishAsRecorded()` marks where histories from before `PUBLISH_PATCH`
 * published, and does nothing since.
 */
export async function disputeCase(rawInput: unknown): Promise<DisputeCaseResult> {
  const input = parseOrFail(disputeCaseInput, rawInput, 'dispute case input');
  const c = new CaseState(input.disputeId, workflowInfo().workflowId, input.policy, Date.now());
  registerHandlers(c);
  c.publishAsRecorded();

  while (!c.finished) {
    c.startPass();
    await applyInbox(c, Date.now());
    if (!c.opened && c.facts) await openCase(c, Date.now());
    await actOnDecision(c, Date.now());
    await syncLedger(c);
    c.publishAsRecorded();
    if (c.hasNews) continue;

    const wake = c.nextWake();
    const news = () => c.hasNews;
    if (!wake) await condition(news);
    else if (
      wake.at <= Date.now() ||
      !(await condition(news, wake.at - Date.now(), { summary: `dispute ${wake.kind}` }))
    )
      await onWake(c, wake, Date.now());
  }

  // Bookkeeping still under way (a store outage) lands before the case returns; each landing may ask for the next move.
  for (;;) {
    await syncLedger(c);
    c.publishAsRecorded();
    if (c.booksSettled) break;
    await condition(() => c.booksSettled);
  }
  await condition(allHandlersFinished);
  return c.result();
}
