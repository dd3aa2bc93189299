import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { RUN_STUCK_AFTER_MS, STUCK_CATEGORIES, stuckQuery, type StuckCategory } from '../../workflows/sweeper/stuck';
import { SA } from '../../workflows/shared/search-attributes';
import type { StuckItem, StuckWorkFound } from '../../workflows/sweeper/contract';

/**
 * The categories whose items have a deadline of their own, and how to read it. The others (retrying, parked) are
 * stuck by state, not by time: they are counted and alarmed on, not notified one by one.
 */
const ITEM_DEADLINE: Partial<Record<StuckCategory, (info: WorkflowExecutionInfo) => Date | undefined>> = {
  overdue_person: (info) => info.typedSearchAttributes.get(SA.DeadlineAt),
  unconfirmed_at_rail: (info) => info.typedSearchAttributes.get(SA.DeadlineAt),
  runs_not_finishing: (info) => new Date(info.startTime.getTime() + RUN_STUCK_AFTER_MS),
};

/**
 * Counts every category at `at` (exact: the visibility store's count) and lists up to `listCap` items past their
 * deadline per category. Visibility is eventually consistent: a workflow that changed in the last second may be
 * counted by the next sweep instead.
 */
export async function findStuckWork(client: Client, at: string, listCap: number): Promise<StuckWorkFound> {
  const now = new Date(at);
  const counts = {} as Record<StuckCategory, number>;
  const items: StuckItem[] = [];
  const truncated: StuckCategory[] = [];
  for (const category of STUCK_CATEGORIES) {
    const query = stuckQuery(category, now);
    counts[category] = (await client.workflow.count(query)).count;
    const deadlineOf = ITEM_DEADLINE[category];
    if (!deadlineOf || counts[category] === 0) continue;
    let listed = 0;
    for await (const info of client.workflow.list({ query, pageSize: Math.min(listCap, 100) })) {
      if (listed === listCap) {
        truncated.push(category);
        break;
      }
      listed++;
      const deadline = deadlineOf(info);
      if (deadline)
        items.push({
          workflowId: info.workflowId,
          workflowType: info.type,
          category,
          deadline: deadline.toISOString(),
        });
    }
  }
  return { namespace: client.options.namespace, counts, items, truncated };
}
