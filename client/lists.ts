import type { Client, WorkflowExecutionInfo } from '@temporalio/client';

/**
 * The rows of a `list…` verb: one per workflow the visibility query matches, read from its search attributes. Visibility
 * is eventually consistent: fine for a work list, never the ground for a decision (`get…State` asks the workflow).
 */
export async function listRows<T>(client: Client, query: string, row: (wf: WorkflowExecutionInfo) => T): Promise<T[]> {
  const rows: T[] = [];
  for await (const wf of client.workflow.list({ query })) rows.push(row(wf));
  return rows;
}

/**
 * The business ID a workflow ID was built from by `workflowIdOf` (the contract's own function, so the prefix is
 * written once), or undefined for a workflow ID it did not build (e.g. a Schedule's run).
 */
export function businessIdOf(workflowIdOf: (businessId: string) => string, workflowId: string): string | undefined {
  const prefix = workflowIdOf('');
  return workflowId.startsWith(prefix) && workflowId.length > prefix.length
    ? workflowId.slice(prefix.length)
    : undefined;
}

/** Orders rows by a date, missing dates last (a stable sort keeps the list's order among equals). */
export const byDate =
  <T>(dateOf: (row: T) => Date | undefined) =>
  (a: T, b: T): number =>
    (dateOf(a)?.getTime() ?? Infinity) - (dateOf(b)?.getTime() ?? Infinity);
