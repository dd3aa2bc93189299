import type { Client, WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { SA } from '../workflows/shared/search-attributes';
import { signedUpdate, splitSigner, type Signed } from './commands';
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
import { parseClientInput, startOrAttach, verdictOf, type Verdict } from './errors';

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
export async function openDisputeCase(
  client: Client,
  input: DisputeCaseInput,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; handle: WorkflowHandle<DisputeCaseWorkflow>; existing: boolean }> {
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

const handleOf = (client: Client, disputeId: string) =>
  client.workflow.getHandle<DisputeCaseWorkflow>(disputeCaseWorkflowId(disputeId));

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
  const [fields, sign] = splitSigner(input);
  const a = parseClientInput(assignCaseInput, fields, 'assignment');
  return verdictOf(() => signedUpdate(client, disputeCaseWorkflowId(disputeId), assignCaseUpdate, a, sign));
}

/** Adds or replaces one evidence field (before the round's decision). */
export async function addDisputeEvidence(
  client: Client,
  disputeId: string,
  input: Signed<AddEvidenceInput>,
): Promise<Verdict<DisputeCaseView>> {
  const [fields, sign] = splitSigner(input);
  const e = parseClientInput(addEvidenceInput, fields, 'evidence');
  return verdictOf(() => signedUpdate(client, disputeCaseWorkflowId(disputeId), addEvidenceUpdate, e, sign));
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
  const [fields, sign] = splitSigner(input);
  const d = parseClientInput(decideCaseInput, fields, 'decision');
  return verdictOf(() => signedUpdate(client, disputeCaseWorkflowId(disputeId), decideCaseUpdate, d, sign));
}

/** The case as ops see it (the `getState` query). */
export async function getDisputeState(client: Client, disputeId: string): Promise<DisputeCaseView> {
  return handleOf(client, disputeId).query(getStateQuery);
}

const listFilter = z.object({
  /** Only cases whose evidence is due within this many days from `now`. */
  dueWithinDays: z.number().int().positive().max(365).optional(),
  /** Only cases not submitted yet (still being worked); the default. */
  notSubmitted: z.boolean().default(true),
  state: disputeStateSchema.optional(),
  tier: escalationTierSchema.optional(),
});

/**
 * The visibility query behind {@link listDisputes}; the README shows the same for the CLI. Attribute names come from
 * `SA`, so the query names only registered attributes (the tier is `AwaitingTier`, shared with approvals).
 */
export function disputesListQuery(filter: z.input<typeof listFilter> = {}, now = Date.now()): string {
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
      tier: sa.get(SA.AwaitingTier),
      dueBy: sa.get(SA.DueBy),
      deadlineAt: sa.get(SA.DeadlineAt),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
      awaitingActor: sa.get(SA.AwaitingActor),
    });
  }
  return rows.sort((a, b) => (a.dueBy?.getTime() ?? Infinity) - (b.dueBy?.getTime() ?? Infinity));
}
