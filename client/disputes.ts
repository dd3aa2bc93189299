import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { SA } from '../workflows/shared/search-attributes';
import { sendSignedCommand, type Signed } from './commands';
import { configuredTaskQueue } from './config';
import {
  addEvidenceUpdate,
  assignCaseUpdate,
  decideCaseUpdate,
  disputeCaseInput,
  disputeCaseWorkflowId,
  disputeStateSchema,
  escalationTierSchema,
  getStateQuery,
  OPEN_STATES,
  type AddEvidenceInput,
  type AssignCaseInput,
  type DecideCaseInput,
  type DisputeCaseInput,
  type DisputeCaseView,
  type DisputeCaseWorkflow,
  addEvidenceInput,
  assignCaseInput,
  decideCaseInput,
} from '../workflows/disputes/contract';
import { parseClientInput, startOrAttach, type StartOptions, type Started, type Verdict } from './errors';
import { businessIdOf, byDate, listRows } from './lists';

export { disputeCaseWorkflowId } from '../workflows/disputes/contract';
export type {
  AddEvidenceInput,
  AssignCaseInput,
  CaseDecision,
  DecideCaseInput,
  DecidedBy,
  DisputeCaseInput,
  DisputeCaseResult,
  DisputeCaseView,
  DisputeRefusalCode,
} from '../workflows/disputes/contract';

/**
 * Opens a case by hand (normally the PSP webhook does it); idempotent on the dispute ID: a case already running is
 * returned with `existing: true`. Without a webhook the case asks the PSP for the facts after a few minutes.
 */
export async function startDisputeCase(
  client: Client,
  input: DisputeCaseInput,
  opts: StartOptions = {},
): Promise<Started<DisputeCaseWorkflow>> {
  const parsed = parseClientInput(disputeCaseInput, input, 'dispute case input');
  return startOrAttach<DisputeCaseWorkflow>(client, 'disputeCase', {
    taskQueue: opts.taskQueue ?? configuredTaskQueue(),
    workflowId: disputeCaseWorkflowId(parsed.disputeId),
    args: [parsed],
    // No `USE_EXISTING`: the server then refuses a second start of a running case, so `existing` tells the truth.
    staticSummary: `Dispute ${parsed.disputeId}`,
    staticDetails:
      'Ops act with the assignCase / addEvidence / decideCase updates; getState shows what the case waits on.',
  });
}

/**
 * Assigns the case to a staff member at a tier (never down a tier). Like every command, it is signed by `sign` (a command
 * assertion for this command on the case's current run: who acts is its subject; a dispute tier among its roles is
 * required) and answers with the new case view, or a
 * refusal with its rule's code (`Unauthorized` with a token code, or see `DisputeRefusalCode`; nothing was recorded).
 */
export async function assignDispute(
  client: Client,
  disputeId: string,
  input: Signed<AssignCaseInput>,
): Promise<Verdict<DisputeCaseView>> {
  return sendSignedCommand(
    client,
    disputeCaseWorkflowId(disputeId),
    assignCaseUpdate,
    assignCaseInput,
    input,
    'assignment',
  );
}

/** Adds or replaces one evidence field (before the round's decision). */
export async function addDisputeEvidence(
  client: Client,
  disputeId: string,
  input: Signed<AddEvidenceInput>,
): Promise<Verdict<DisputeCaseView>> {
  return sendSignedCommand(
    client,
    disputeCaseWorkflowId(disputeId),
    addEvidenceUpdate,
    addEvidenceInput,
    input,
    'evidence',
  );
}

/**
 * Decides to contest (submit the evidence once) or accept liability, at `tier` (one of the signer's roles; default the
 * highest dispute tier they hold).
 */
export async function decideDispute(
  client: Client,
  disputeId: string,
  input: Signed<DecideCaseInput>,
): Promise<Verdict<DisputeCaseView>> {
  return sendSignedCommand(
    client,
    disputeCaseWorkflowId(disputeId),
    decideCaseUpdate,
    decideCaseInput,
    input,
    'decision',
  );
}

/** The case as ops see it (the `getState` query). */
export async function getDisputeState(client: Client, disputeId: string): Promise<DisputeCaseView> {
  return client.workflow.getHandle<DisputeCaseWorkflow>(disputeCaseWorkflowId(disputeId)).query(getStateQuery);
}

const listFilter = z.object({
  /** Only cases whose evidence is due within this many days from `now`. */
  dueWithinDays: z.number().int().positive().max(365).optional(),
  /** Only cases not submitted yet (still being worked); the default. */
  notSubmitted: z.boolean().default(true),
  state: disputeStateSchema.optional(),
  tier: escalationTierSchema.optional(),
});

/** What {@link listDisputes} filters on (default: every case not submitted yet). */
export type DisputeListFilter = z.input<typeof listFilter>;

/**
 * The visibility query behind {@link listDisputes}; the finance CLI lists with the same. Attribute names come from
 * `SA`, so the query names only registered attributes (the tier is `AwaitingTier`, shared with approvals).
 */
export function disputesListQuery(filter: DisputeListFilter = {}, now = Date.now()): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [
    `WorkflowType = 'disputeCase'`,
    `ExecutionStatus = 'Running'`,
    ...(f.state
      ? [`${SA.DisputeState.name} = '${f.state}'`]
      : f.notSubmitted
        ? [`${SA.DisputeState.name} IN (${[...OPEN_STATES].map((s) => `'${s}'`).join(', ')})`]
        : []),
    ...(f.dueWithinDays ? [`${SA.DueBy.name} <= '${new Date(now + f.dueWithinDays * 86_400_000).toISOString()}'`] : []),
    ...(f.tier ? [`${SA.AwaitingTier.name} = '${f.tier}'`] : []),
  ].join(' AND ');
}

/** One row of the disputes work list (search attributes: eventually consistent, fine for a list). */
export interface DisputeListRow {
  /** The dispute's business ID (the PSP's dispute ID). */
  disputeId: string;
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
  filter: DisputeListFilter = {},
  now = Date.now(),
): Promise<DisputeListRow[]> {
  const rows = await listRows(client, disputesListQuery(filter, now), (wf): DisputeListRow => {
    const sa = wf.typedSearchAttributes;
    return {
      disputeId: businessIdOf(disputeCaseWorkflowId, wf.workflowId) ?? wf.workflowId,
      workflowId: wf.workflowId,
      state: sa.get(SA.DisputeState),
      tier: sa.get(SA.AwaitingTier),
      dueBy: sa.get(SA.DueBy),
      deadlineAt: sa.get(SA.DeadlineAt),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      awaitingActor: sa.get(SA.AwaitingActor),
    };
  });
  return rows.sort(byDate((r) => r.dueBy));
}

// ---------- the names before the verbs were made the same in every domain ----------

/** @deprecated use {@link startDisputeCase} */
export const openDisputeCase = startDisputeCase;
