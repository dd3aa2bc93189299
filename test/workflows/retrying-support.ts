import type { Client } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { stuckQuery } from '../../client/stuck';
import { SA } from '../../workflows/shared/search-attributes';

/** How a workflow shows in the `retrying` list (and its current details), read as ops would. */
export interface Listed {
  failedAttempts: number | undefined;
  lastErrorCode: string | undefined;
  awaitingActor: string | undefined;
}

const shown = (a: TypedSearchAttributes): Listed => ({
  failedAttempts: a.get(SA.FailedAttempts),
  lastErrorCode: a.get(SA.LastErrorCode),
  awaitingActor: a.get(SA.AwaitingActor),
});

/** The workflow as the `retrying` stuck query lists it now (undefined when it is not listed). */
export async function listedAsRetrying(client: Client, workflowId: string): Promise<Listed | undefined> {
  const query = `${stuckQuery('retrying', new Date())} AND WorkflowId = '${workflowId}'`;
  for await (const w of client.workflow.list({ query })) return shown(w.typedSearchAttributes);
  return undefined;
}

/** The workflow's search attributes as visibility has them (whatever list it is in). */
export async function listed(client: Client, workflowId: string): Promise<Listed | undefined> {
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    return shown(w.typedSearchAttributes);
  }
  return undefined;
}

/** The workflow's current details (what the Web UI shows on its page), through the built-in metadata query. */
export async function currentDetails(client: Client, workflowId: string): Promise<string> {
  const meta = await client.workflow
    .getHandle(workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}
