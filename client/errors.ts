import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';

/** Bad input caught before anything reached Temporal; `issues` name each field. */
export class ClientInputError extends Error {
  override name = 'ClientInputError';
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

/** Parses with zod before anything reaches Temporal; throws `ClientInputError` naming every bad field. */
export function parseClientInput<S extends import('zod').ZodType>(
  schema: S,
  input: unknown,
  what: string,
): import('zod').infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
  throw new ClientInputError(`invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * The idempotent start every typed client offers: starts a workflow, or, when the server refuses because the ID is
 * taken (a closed run under `REJECT_DUPLICATE`, or a running one without `USE_EXISTING`), returns that workflow's
 * handle with `existing: true`. With `USE_EXISTING` the start itself returns a running workflow.
 */
export async function startOrAttach<W extends Workflow>(
  client: Client,
  workflowType: string,
  options: WorkflowStartOptions<W>,
): Promise<{ handle: WorkflowHandle<W>; existing: boolean }> {
  try {
    return { handle: await client.workflow.start<W>(workflowType, options), existing: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { handle: client.workflow.getHandle<W>(options.workflowId), existing: true };
  }
}

/** A workflow's refusal of an update (its validator or handler threw a typed failure); anything else is rethrown. */
export function updateRefusal(err: unknown): { type: string; code: string; message: string } {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = (err.cause.details?.[0] as { code?: string } | undefined)?.code ?? err.cause.type ?? 'refused';
    return { type: err.cause.type ?? 'Error', code, message: err.cause.message };
  }
  throw err;
}
