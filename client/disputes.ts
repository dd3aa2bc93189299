import type { Client, WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { SA } from '../workflows/shared/search-attributes';
import { configuredTaskQueue } from './config';
import type { disputeCase } from '../workflows/disputes/dispute-case';
import {
  addEvidenceInput,
  addEvidenceUpdate,
  assignCaseInput,
  assignCaseUpdate,
  decideCaseInput,
  decideCaseUpdate,
  disputeCaseInput,
  disputeCaseWorkflowId,
  disputeStateSchema,
  escalationTierSchema,
  getStateQuery,
  type AddEvidenceInput,
  type AssignCaseInput,
  type DecideCaseInput,
  type DisputeCaseInput,
  type DisputeCaseView,
} from '../workflows/disputes/contract';
import { OPEN_STATES } from '../workflows/disputes/dispute-policy';
import { parseClientInput, startOrAttach, updateRefusal } from './errors';

export { disputeCaseWorkflowId } from '../workflows/disputes/contract';
export type {
  AddEvidenceInput,
  AssignCaseInput,
  DecideCaseInput,
  DisputeCaseInput,
  DisputeCaseResult,
  DisputeCaseView,
} from '../workflows/disputes/contract';

/**
 * Opens a case by hand (normally the PSP webhook does it); idempotent on the dispute ID. Without a webhook the case
 * asks the PSP for the facts after a few minutes.
 */
export async function openDisputeCase(
  client: Client,
  input: DisputeCaseInput,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: WorkflowHandle<typeof disputeCase>; alreadyOpen: boolean }> {
  const parsed = parseClientInput(disputeCaseInput, input, 'dispute case input');
  const workflowId = disputeCaseWorkflowId(parsed.disputeId);
  const { handle, existing } = await startOrAttach<typeof disputeCase>(client, 'disputeCase', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId,
    args: [parsed],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Dispute ${parsed.disputeId}`,
    staticDetails:
      'Ops act with the assignCase / addEvidence / decideCase updates; getState shows what the case waits on.',
  });
  return { workflowId, handle, alreadyOpen: existing };
}

/** The validator's answer to an ops command: the new case view, or why it was refused (nothing was recorded). */
export type DisputeCommandVerdict =
  { accepted: true; view: DisputeCaseView } | { accepted: false; type: string; message: string };

async function command(run: () => Promise<DisputeCaseView>): Promise<DisputeCommandVerdict> {
  try {
    return { accepted: true, view: await run() };
  } catch (err) {
    const { type, message } = updateRefusal(err);
    return { accepted: false, type, message };
  }
}

/** Assigns the case to a staff member at a tier (never down a tier). */
export async function assignDispute(
  client: Client,
  disputeId: string,
  input: AssignCaseInput,
): Promise<DisputeCommandVerdict> {
  const a = parseClientInput(assignCaseInput, input, 'assignment');
  return command(() =>
    client.workflow.getHandle(disputeCaseWorkflowId(disputeId)).executeUpdate(assignCaseUpdate, { args: [a] }),
  );
}

/** Adds or replaces one evidence field (before the round's decision). */
export async function addDisputeEvidence(
  client: Client,
  disputeId: string,
  input: AddEvidenceInput,
): Promise<DisputeCommandVerdict> {
  const e = parseClientInput(addEvidenceInput, input, 'evidence');
  return command(() =>
    client.workflow.getHandle(disputeCaseWorkflowId(disputeId)).executeUpdate(addEvidenceUpdate, { args: [e] }),
  );
}

/** Decides to contest (submit the evidence once) or accept liability. */
export async function decideDispute(
  client: Client,
  disputeId: string,
  input: DecideCaseInput,
): Promise<DisputeCommandVerdict> {
  const d = parseClientInput(decideCaseInput, input, 'decision');
  return command(() =>
    client.workflow.getHandle(disputeCaseWorkflowId(disputeId)).executeUpdate(decideCaseUpdate, { args: [d] }),
  );
}

export async function getDisputeState(client: Client, disputeId: string): Promise<DisputeCaseView> {
  return client.workflow.getHandle(disputeCaseWorkflowId(disputeId)).query(getStateQuery);
}

const listFilter = z.object({
  /** Only cases whose evidence is due within this many days from `now`. */
  dueWithinDays: z.number().int().positive().max(365).optional(),
  /** Only cases not submitted yet (still being worked); the default. */
  notSubmitted: z.boolean().default(true),
  state: disputeStateSchema.optional(),
  tier: escalationTierSchema.optional(),
});

/** The visibility query behind {@link listDisputes}; the README shows the same for the CLI. */
export function disputesListQuery(filter: z.input<typeof listFilter> = {}, now = Date.now()): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [
    `WorkflowType = 'disputeCase'`,
    `ExecutionStatus = 'Running'`,
    ...(f.state
      ? [`DisputeState = '${f.state}'`]
      : f.notSubmitted
        ? [`DisputeState IN (${[...OPEN_STATES].map((s) => `'${s}'`).join(', ')})`]
        : []),
    ...(f.dueWithinDays ? [`DueBy <= '${new Date(now + f.dueWithinDays * 86_400_000).toISOString()}'`] : []),
    ...(f.tier ? [`EscalationTier = '${f.tier}'`] : []),
  ].join(' AND ');
}

/** One row of the disputes work list (search attributes: eventually consistent, fine for a list). */
export interface DisputeListRow {
  workflowId: string;
  state: string | undefined;
  tier: string | undefined;
  dueBy: Date | undefined;
  deadlineAt: Date | undefined;
  amountMinor: number | undefined;
  currency: string | undefined;
  awaitingActor: string | undefined;
}

/** Cases matching the filter, soonest due first. */
export async function listDisputes(
  client: Client,
  filter: z.input<typeof listFilter> = {},
  now = Date.now(),
): Promise<DisputeListRow[]> {
  const rows: DisputeListRow[] = [];
  for await (const wf of client.workflow.list({ query: disputesListQuery(filter, now) })) {
    const sa = wf.typedSearchAttributes;
    rows.push({
      workflowId: wf.workflowId,
      state: sa.get(SA.DisputeState),
      tier: sa.get(SA.EscalationTier),
      dueBy: sa.get(SA.DueBy),
      deadlineAt: sa.get(SA.DeadlineAt),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      awaitingActor: sa.get(SA.AwaitingActor),
    });
  }
  return rows.sort((a, b) => (a.dueBy?.getTime() ?? Infinity) - (b.dueBy?.getTime() ?? Infinity));
}
