import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import { failureCode, type FailureType } from '../workflows/shared/failures';

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

/** What every `start…` verb takes besides its input: the task queue (default `TEMPORAL_TASK_QUEUE`). */
export interface StartOptions {
  taskQueue?: string;
}

/** What every `start…` verb answers: the workflow, its handle, and whether it was already there (an idempotent start). */
export interface Started<W extends Workflow> {
  workflowId: string;
  handle: WorkflowHandle<W>;
  existing: boolean;
}

/**
 * The idempotent start every typed client offers: starts a workflow, or, when the server refuses because the ID is
 * taken (a running workflow, or a closed one under `REJECT_DUPLICATE`), returns that workflow's handle with
 * `existing: true`. The conflict policy is always `FAIL` (a `USE_EXISTING` start would attach silently, and
 * `existing` could not tell).
 */
export async function startOrAttach<W extends Workflow>(
  client: Client,
  workflowType: string,
  options: Omit<WorkflowStartOptions<W>, 'workflowIdConflictPolicy'>,
): Promise<Started<W>> {
  const { workflowId } = options;
  try {
    return {
      workflowId,
      handle: await client.workflow.start<W>(workflowType, {
        ...options,
        workflowIdConflictPolicy: 'FAIL',
      } as WorkflowStartOptions<W>),
      existing: false,
    };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { workflowId, handle: client.workflow.getHandle<W>(workflowId), existing: true };
  }
}

/** A command's answer: accepted with the workflow's value, or refused (nothing changed) with the rule that refused it. */
export type Verdict<T> =
  { accepted: true; value: T } | { accepted: false; type: FailureType | 'Error'; code: string; message: string };

/**
 * Runs an update and turns a workflow's refusal (its validator or handler threw a typed failure) into a refused
 * verdict; anything else (unreachable server, unknown workflow) is rethrown.
 */
export async function verdictOf<T>(run: () => Promise<T>): Promise<Verdict<T>> {
  try {
    return { accepted: true, value: await run() };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const type = (err.cause.type ?? 'Error') as FailureType | 'Error';
      return { accepted: false, type, code: failureCode(err.cause), message: err.cause.message };
    }
    throw err;
  }
}
