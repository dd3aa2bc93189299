import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { verdictOf, type Verdict } from '../client/errors';
import type { AssertionSigner } from './signer';
import type { Staff } from './staff-auth';

/** The workflow is unknown, or no run of it is open to take a command (HTTP 404). */
export class NoRunningWorkflow extends Error {
  override name = 'NoRunningWorkflow';
}

/**
 * Sends one staff command to the workflow's current run with an assertion bound to that run: describe for the run
 * ID, sign, send to that run. If the run changed in between (continue-as-new), the send finds no such run: describe
 * and sign again, once. The answer is the validator's verdict (accepted with the update's value, or refused with
 * type, code and message); a workflow that is unknown or closed is {@link NoRunningWorkflow}.
 */
export async function sendStaffCommand(
  c: { client: Client; sign: AssertionSigner; staff: Staff },
  workflowId: string,
  update: string,
  args: Record<string, unknown>,
): Promise<Verdict<unknown>> {
  for (let attempt = 1; ; attempt++) {
    let runId: string;
    try {
      const desc = await c.client.workflow.getHandle(workflowId).describe();
      if (desc.status.name !== 'RUNNING') throw new NoRunningWorkflow(`${workflowId}: closed (${desc.status.name})`);
      runId = desc.runId;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NoRunningWorkflow(`${workflowId}: no such workflow`);
      throw err;
    }
    const token = await c.sign(c.staff, { workflowId, runId, command: update, args });
    try {
      return await verdictOf(() =>
        c.client.workflow.getHandle(workflowId, runId).executeUpdate(update, { args: [{ ...args, token }] }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (attempt >= 2) throw new NoRunningWorkflow(`${workflowId}: the run closed while the command was sent`);
    }
  }
}
