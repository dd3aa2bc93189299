import { Context } from '@temporalio/activity';
import { effectiveDateOf, type PostingFacts } from '../workflows/shared/posting-facts';

/**
 * The date and references a posting activity writes. Since the day index the workflow passes both in the activity
 * input (fixed in history, so every attempt and every re-scheduling sends the same posting). An activity scheduled by
 * a workflow from before has neither; it then dates the posting by when the activity was first scheduled
 * (`scheduledTimestampMs`: the same on every server-side retry of that one scheduled activity, which is the only way
 * such an input runs again: anything the workflow schedules from now on carries the date) and names the running
 * workflow. Called directly (unit tests) it falls back to the clock and the given workflow ID.
 */
export function postingFactsOf(i: Partial<PostingFacts>, fallbackWorkflowId?: string): PostingFacts {
  if (i.effectiveDate && i.refs) return { effectiveDate: i.effectiveDate, refs: i.refs };
  const info = activityInfo();
  const workflowId = info?.workflowExecution?.workflowId ?? fallbackWorkflowId ?? 'unknown';
  return {
    effectiveDate: i.effectiveDate ?? effectiveDateOf(info?.scheduledTimestampMs ?? Date.now()),
    refs: i.refs ?? { workflowId },
  };
}

function activityInfo(): Context['info'] | undefined {
  try {
    return Context.current().info;
  } catch {
    return undefined;
  }
}
